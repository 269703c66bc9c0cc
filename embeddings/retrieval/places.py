"""Capitals stand for their countries' governments: "What did Riyadh demand?" asks about Saudi
Arabia. News writes both ways, so a question that names a capital is searched with its country
beside it ("Riyadh (Saudi Arabia)"): the sources may only ever name the country.

The table is general knowledge (the world's capitals and a few seats of government), nothing
about any one story.
"""

from __future__ import annotations

import re

CAPITALS = {
    "Abu Dhabi": "United Arab Emirates", "Abuja": "Nigeria", "Accra": "Ghana",
    "Addis Ababa": "Ethiopia", "Algiers": "Algeria", "Amman": "Jordan", "Amsterdam": "Netherlands",
    "Ankara": "Turkey", "Astana": "Kazakhstan", "Athens": "Greece", "Baghdad": "Iraq",
    "Baku": "Azerbaijan", "Bangkok": "Thailand", "Beijing": "China", "Beirut": "Lebanon",
    "Belgrade": "Serbia", "Berlin": "Germany", "Bern": "Switzerland", "Bogotá": "Colombia",
    "Bogota": "Colombia", "Brasília": "Brazil", "Brasilia": "Brazil", "Bratislava": "Slovakia",
    "Brussels": "Belgium", "Bucharest": "Romania", "Budapest": "Hungary",
    "Buenos Aires": "Argentina", "Cairo": "Egypt", "Canberra": "Australia", "Caracas": "Venezuela",
    "Colombo": "Sri Lanka", "Copenhagen": "Denmark", "Dakar": "Senegal", "Damascus": "Syria",
    "Dhaka": "Bangladesh", "Doha": "Qatar", "Dublin": "Ireland", "Hanoi": "Vietnam",
    "Havana": "Cuba", "Helsinki": "Finland", "Islamabad": "Pakistan", "Jakarta": "Indonesia",
    "Jerusalem": "Israel", "Kabul": "Afghanistan", "Kampala": "Uganda", "Kathmandu": "Nepal",
    "Khartoum": "Sudan", "Kyiv": "Ukraine", "Kiev": "Ukraine", "Kuala Lumpur": "Malaysia",
    "Kuwait City": "Kuwait", "Lagos": "Nigeria", "Lima": "Peru", "Lisbon": "Portugal",
    "Ljubljana": "Slovenia", "London": "United Kingdom", "Luanda": "Angola",
    "Madrid": "Spain", "Manama": "Bahrain", "Manila": "Philippines", "Mexico City": "Mexico",
    "Minsk": "Belarus", "Moscow": "Russia", "Muscat": "Oman", "Nairobi": "Kenya",
    "New Delhi": "India", "Delhi": "India", "Nicosia": "Cyprus", "Oslo": "Norway",
    "Ottawa": "Canada", "Paris": "France", "Prague": "Czech Republic", "Pretoria": "South Africa",
    "Pyongyang": "North Korea", "Quito": "Ecuador", "Rabat": "Morocco", "Riga": "Latvia",
    "Riyadh": "Saudi Arabia", "Rome": "Italy", "Santiago": "Chile", "Sanaa": "Yemen",
    "Seoul": "South Korea", "Singapore": "Singapore", "Sofia": "Bulgaria",
    "Stockholm": "Sweden", "Taipei": "Taiwan", "Tallinn": "Estonia", "Tashkent": "Uzbekistan",
    "Tbilisi": "Georgia", "Tehran": "Iran", "Tel Aviv": "Israel", "Tokyo": "Japan",
    "Tripoli": "Libya", "Tunis": "Tunisia", "Ulaanbaatar": "Mongolia", "Vienna": "Austria",
    "Vilnius": "Lithuania", "Warsaw": "Poland", "Washington": "United States",
    "Wellington": "New Zealand", "Yerevan": "Armenia", "Zagreb": "Croatia",
    "Whitehall": "United Kingdom", "Downing Street": "United Kingdom",
    "the Kremlin": "Russia", "Kremlin": "Russia", "the White House": "United States",
    "White House": "United States", "Capitol Hill": "United States", "Beltway": "United States",
}  # fmt: skip

_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(c) for c in sorted(CAPITALS, key=len, reverse=True)) + r")\b",
    re.I,
)
_FOLDED = {c.casefold(): country for c, country in CAPITALS.items()}


def with_countries(question: str) -> str:
    """The question with each capital it names followed by its country: "What did Riyadh
    (Saudi Arabia) demand?". A country the question already names is not added again."""
    asked = question.casefold()

    def add(match: re.Match[str]) -> str:
        country = _FOLDED[match[1].casefold()]
        if country.casefold() in asked or country.casefold() == match[1].casefold():
            return match[0]
        return f"{match[0]} ({country})"

    return _PATTERN.sub(add, question)
