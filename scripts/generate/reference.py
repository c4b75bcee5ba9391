"""Static reference data for the generator: countries, names, domains, agents, catalogue words.

Everything here is fictional sample data. Names are common given and family names; business
domains are invented; free-mail domains are the large providers because the share of Apple
and corporate mailboxes drives machine opens and link-scanner clicks.
"""

from __future__ import annotations

from typing import NamedTuple


class City(NamedTuple):
    name: str
    timezone: str
    area: str  # phone area / mobile prefix digits after the country code


class Country(NamedTuple):
    code: str
    weight: float
    currency: str
    language: str
    locale: str
    phone_prefix: str  # E.164 country code with "+"
    phone_random_digits: int  # random digits between the area and the 7 unique digits
    tax_rate: float
    jurisdiction: str
    names: str  # key into FIRST_NAMES / LAST_NAMES
    cities: tuple[City, ...]
    city_weights: tuple[float, ...]
    domains: tuple[str, ...]
    domain_weights: tuple[float, ...]


# fmt: off
COUNTRIES: tuple[Country, ...] = (
    Country(
        "US", 34.0, "USD", "en", "en-US", "+1", 0, 0.07,
        "CCPA", "en",
        (
            City("New York", "America/New_York", "212"),
            City("Boston", "America/New_York", "617"),
            City("Miami", "America/New_York", "305"),
            City("Atlanta", "America/New_York", "404"),
            City("Chicago", "America/Chicago", "312"),
            City("Houston", "America/Chicago", "713"),
            City("Dallas", "America/Chicago", "214"),
            City("Denver", "America/Denver", "303"),
            City("Phoenix", "America/Phoenix", "602"),
            City("Los Angeles", "America/Los_Angeles", "213"),
            City("San Francisco", "America/Los_Angeles", "415"),
            City("Seattle", "America/Los_Angeles", "206"),
        ),
        (14, 5, 5, 5, 9, 6, 6, 6, 4, 12, 7, 6),
        (
            "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com",
            "comcast.net", "me.com",
        ),
        (40, 10, 8, 6, 18, 4, 4, 4),
    ),
    Country(
        "CA", 6.0, "CAD", "en", "en-CA", "+1", 0, 0.13,
        "GDPR", "en",
        (
            City("Toronto", "America/Toronto", "416"),
            City("Montreal", "America/Toronto", "514"),
            City("Vancouver", "America/Vancouver", "604"),
            City("Calgary", "America/Edmonton", "403"),
        ),
        (40, 20, 25, 15),
        (
            "gmail.com", "hotmail.com", "outlook.com", "icloud.com", "yahoo.ca",
            "rogers.com",
        ),
        (42, 14, 10, 18, 8, 8),
    ),
    Country(
        "GB", 10.0, "GBP", "en", "en-GB", "+44", 2, 0.2,
        "GDPR", "en",
        (
            City("London", "Europe/London", "7"),
            City("Manchester", "Europe/London", "7"),
            City("Birmingham", "Europe/London", "7"),
            City("Leeds", "Europe/London", "7"),
            City("Glasgow", "Europe/London", "7"),
        ),
        (45, 15, 15, 12, 13),
        (
            "gmail.com", "hotmail.co.uk", "outlook.com", "icloud.com", "btinternet.com",
            "yahoo.co.uk", "sky.com",
        ),
        (36, 14, 10, 20, 8, 6, 6),
    ),
    Country(
        "DE", 10.0, "EUR", "de", "de-DE", "+49", 1, 0.19,
        "GDPR", "de",
        (
            City("Berlin", "Europe/Berlin", "151"),
            City("Hamburg", "Europe/Berlin", "160"),
            City("München", "Europe/Berlin", "170"),
            City("Köln", "Europe/Berlin", "152"),
            City("Frankfurt am Main", "Europe/Berlin", "171"),
        ),
        (30, 20, 20, 15, 15),
        (
            "gmail.com", "web.de", "gmx.de", "t-online.de", "icloud.com", "outlook.de",
        ),
        (28, 22, 20, 10, 14, 6),
    ),
    Country(
        "FR", 7.0, "EUR", "fr", "fr-FR", "+33", 1, 0.2,
        "GDPR", "fr",
        (
            City("Paris", "Europe/Paris", "6"),
            City("Lyon", "Europe/Paris", "6"),
            City("Marseille", "Europe/Paris", "7"),
            City("Toulouse", "Europe/Paris", "6"),
            City("Lille", "Europe/Paris", "7"),
        ),
        (40, 15, 15, 15, 15),
        (
            "gmail.com", "orange.fr", "free.fr", "laposte.net", "icloud.com", "hotmail.fr",
            "sfr.fr",
        ),
        (34, 16, 12, 8, 14, 10, 6),
    ),
    Country(
        "ES", 6.0, "EUR", "es", "es-ES", "+34", 1, 0.21,
        "GDPR", "es",
        (
            City("Madrid", "Europe/Madrid", "6"),
            City("Barcelona", "Europe/Madrid", "6"),
            City("Valencia", "Europe/Madrid", "6"),
            City("Sevilla", "Europe/Madrid", "6"),
            City("Las Palmas", "Atlantic/Canary", "6"),
        ),
        (35, 30, 13, 12, 10),
        (
            "gmail.com", "hotmail.es", "yahoo.es", "outlook.es", "icloud.com",
            "telefonica.net",
        ),
        (46, 18, 8, 8, 14, 6),
    ),
    Country(
        "IT", 5.0, "EUR", "it", "it-IT", "+39", 2, 0.22,
        "GDPR", "it",
        (
            City("Roma", "Europe/Rome", "3"),
            City("Milano", "Europe/Rome", "3"),
            City("Napoli", "Europe/Rome", "3"),
            City("Torino", "Europe/Rome", "3"),
            City("Bologna", "Europe/Rome", "3"),
        ),
        (30, 30, 15, 13, 12),
        (
            "gmail.com", "libero.it", "virgilio.it", "hotmail.it", "icloud.com", "alice.it",
        ),
        (40, 18, 10, 10, 14, 8),
    ),
    Country(
        "NL", 4.0, "EUR", "nl", "nl-NL", "+31", 1, 0.21,
        "GDPR", "nl",
        (
            City("Amsterdam", "Europe/Amsterdam", "6"),
            City("Rotterdam", "Europe/Amsterdam", "6"),
            City("Utrecht", "Europe/Amsterdam", "6"),
            City("Den Haag", "Europe/Amsterdam", "6"),
        ),
        (40, 22, 18, 20),
        (
            "gmail.com", "ziggo.nl", "kpnmail.nl", "hotmail.nl", "icloud.com",
            "outlook.com",
        ),
        (40, 14, 12, 10, 16, 8),
    ),
    Country(
        "AU", 5.0, "AUD", "en", "en-AU", "+61", 1, 0.1,
        "GDPR", "en",
        (
            City("Sydney", "Australia/Sydney", "4"),
            City("Melbourne", "Australia/Melbourne", "4"),
            City("Brisbane", "Australia/Brisbane", "4"),
            City("Perth", "Australia/Perth", "4"),
            City("Adelaide", "Australia/Adelaide", "4"),
        ),
        (35, 30, 15, 12, 8),
        (
            "gmail.com", "bigpond.com", "outlook.com", "icloud.com", "yahoo.com.au",
            "optusnet.com.au",
        ),
        (40, 12, 10, 22, 8, 8),
    ),
    Country(
        "JP", 5.0, "JPY", "ja", "ja-JP", "+81", 1, 0.1,
        "GDPR", "ja",
        (
            City("Tokyo", "Asia/Tokyo", "90"),
            City("Osaka", "Asia/Tokyo", "80"),
            City("Yokohama", "Asia/Tokyo", "70"),
            City("Nagoya", "Asia/Tokyo", "90"),
            City("Sapporo", "Asia/Tokyo", "80"),
        ),
        (40, 20, 15, 15, 10),
        (
            "gmail.com", "yahoo.co.jp", "docomo.ne.jp", "icloud.com", "ezweb.ne.jp",
            "outlook.jp",
        ),
        (30, 22, 12, 22, 8, 6),
    ),
    Country(
        "BR", 8.0, "BRL", "pt", "pt-BR", "+55", 1, 0.17,
        "GDPR", "pt",
        (
            City("São Paulo", "America/Sao_Paulo", "119"),
            City("Rio de Janeiro", "America/Sao_Paulo", "219"),
            City("Belo Horizonte", "America/Sao_Paulo", "319"),
            City("Brasília", "America/Sao_Paulo", "619"),
            City("Manaus", "America/Manaus", "929"),
        ),
        (40, 25, 13, 12, 10),
        (
            "gmail.com", "hotmail.com", "outlook.com", "uol.com.br", "bol.com.br",
            "icloud.com", "yahoo.com.br",
        ),
        (50, 14, 8, 8, 6, 8, 6),
    ),
)
# fmt: on

# Exchange rates from the catalogue currency (USD) and the "nice" price step per currency.
FX_FROM_USD = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "CAD": 1.36,
    "AUD": 1.52,
    "JPY": 150.0,
    "BRL": 5.0,
}
CURRENCY_DECIMALS = {"USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "JPY": 0, "BRL": 2}
SHIPPING_FEE = {
    "USD": 5.95,
    "EUR": 4.95,
    "GBP": 3.95,
    "CAD": 7.95,
    "AUD": 8.95,
    "JPY": 600.0,
    "BRL": 19.9,
}
FREE_SHIPPING_OVER = {
    "USD": 75.0,
    "EUR": 60.0,
    "GBP": 50.0,
    "CAD": 90.0,
    "AUD": 100.0,
    "JPY": 8000.0,
    "BRL": 300.0,
}

# fmt: off
FIRST_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # language: (female, male)
    "en": (
        (
            "Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Charlotte", "Amelia",
            "Harper", "Evelyn", "Abigail", "Emily", "Ella", "Grace", "Chloe", "Lily",
            "Hannah", "Zoe", "Madison", "Sarah",
        ),
        (
            "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas",
            "Henry", "Jack", "Michael", "Daniel", "Ethan", "Matthew", "Samuel", "David",
            "Joseph", "Ryan", "Thomas", "Andrew",
        ),
    ),
    "de": (
        (
            "Anna", "Lena", "Laura", "Julia", "Sarah", "Lea", "Hannah", "Sophie", "Marie",
            "Katharina", "Johanna", "Clara", "Emilia", "Mia", "Sabine",
        ),
        (
            "Lukas", "Jonas", "Leon", "Felix", "Maximilian", "Paul", "Tim", "Jan", "Niklas",
            "Moritz", "Tobias", "Stefan", "Florian", "Markus", "Jürgen",
        ),
    ),
    "fr": (
        (
            "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Juliette",
            "Louise", "Claire", "Élodie", "Margaux", "Amélie", "Pauline", "Céline",
        ),
        (
            "Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Thomas", "Nicolas",
            "Mathieu", "Antoine", "Julien", "Pierre", "Théo", "Maxime", "Olivier",
        ),
    ),
    "es": (
        (
            "Ana", "Lucía", "María", "Carmen", "Laura", "Marta", "Paula", "Sara", "Elena",
            "Cristina", "Isabel", "Sofía", "Alba", "Nuria", "Raquel",
        ),
        (
            "Javier", "Carlos", "David", "Daniel", "Pablo", "Alejandro", "Sergio", "Jorge",
            "Manuel", "Miguel", "Álvaro", "Diego", "Adrián", "Rubén", "Íñigo",
        ),
    ),
    "it": (
        (
            "Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Alessia",
            "Elisa", "Federica", "Silvia", "Elena", "Giorgia", "Anna", "Laura", "Paola",
        ),
        (
            "Marco", "Luca", "Giuseppe", "Andrea", "Francesco", "Alessandro", "Matteo",
            "Lorenzo", "Davide", "Simone", "Stefano", "Paolo", "Giovanni", "Riccardo",
            "Fabio",
        ),
    ),
    "nl": (
        (
            "Emma", "Sophie", "Julia", "Anna", "Lisa", "Sanne", "Fleur", "Eva", "Lotte",
            "Femke", "Iris", "Noor", "Anouk", "Maud", "Ilse",
        ),
        (
            "Daan", "Sem", "Lucas", "Bram", "Thijs", "Jesse", "Ruben", "Lars", "Niels",
            "Joost", "Bas", "Pieter", "Sander", "Wouter", "Koen",
        ),
    ),
    "ja": (
        (
            "Yui", "Aoi", "Hina", "Sakura", "Yuna", "Mio", "Rin", "Haruka", "Misaki",
            "Nanami", "Ayaka", "Yuki", "Emi", "Kaori", "Naomi",
        ),
        (
            "Haruto", "Sota", "Yuto", "Ren", "Hiroshi", "Takumi", "Kenta", "Daiki", "Shota",
            "Ryota", "Kazuki", "Yusuke", "Takeshi", "Kenji", "Satoshi",
        ),
    ),
    "pt": (
        (
            "Ana", "Beatriz", "Mariana", "Juliana", "Camila", "Larissa", "Fernanda",
            "Gabriela", "Letícia", "Amanda", "Bruna", "Carolina", "Luana", "Patrícia",
            "Renata",
        ),
        (
            "João", "Pedro", "Lucas", "Gabriel", "Mateus", "Rafael", "Gustavo", "Felipe",
            "Thiago", "Bruno", "Rodrigo", "Leonardo", "Diego", "André", "Marcelo",
        ),
    ),
}
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
        "Taylor", "Anderson", "Thomas", "Moore", "Martin", "Jackson", "White", "Harris",
        "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green",
        "Baker", "Adams", "Nelson", "Hill", "Campbell", "O'Brien", "Murphy", "Evans",
        "Roberts", "Turner", "Patel", "Nguyen", "Kim", "Garcia", "Lopez",
    ),
    "de": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
        "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann",
        "Lange", "Werner", "Yilmaz", "Kaya",
    ),
    "fr": (
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
    ),
    "es": (
        "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez",
        "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno",
        "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres",
        "Domínguez", "Vázquez",
    ),
    "it": (
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
        "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa",
        "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana",
    ),
    "nl": (
        "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
        "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
        "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
    ),
    "ja": (
        "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
        "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto",
        "Inoue", "Kimura", "Hayashi", "Shimizu", "Mori",
    ),
    "pt": (
        "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
        "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes",
        "Soares", "Fernandes", "Vieira", "Barbosa",
    ),
}
# fmt: on

# Corporate mailboxes sit behind security gateways that follow every link on delivery.
CORPORATE_DOMAINS = (
    "northwind-traders.com",
    "contoso.com",
    "fabrikam.com",
    "initech-systems.com",
    "globex-corp.com",
    "tailspin-toys.com",
    "wideworldimporters.com",
    "adventure-works.com",
    "litware-inc.com",
    "proseware.com",
    "lamna-healthcare.com",
    "woodgrove-bank.com",
)

# Small businesses whose role addresses (info@, sales@, office@) several people use.
SMALL_BUSINESS_DOMAINS = (
    "baeckerei-sonnenhof.de",
    "atelier-lumiere.fr",
    "ferreteria-del-sol.es",
    "trattoria-la-pergola.it",
    "bloemen-de-tulp.nl",
    "harbour-view-cafe.co.uk",
    "maple-leaf-hardware.ca",
    "bondi-surf-shack.com.au",
    "sakura-design-studio.jp",
    "padaria-boa-vista.com.br",
    "riverside-dental.com",
    "bluebird-florist.com",
    "summit-yoga-studio.com",
    "copper-kettle-bakery.com",
    "oak-and-iron-builders.com",
    "lakeside-accounting.com",
)
ROLE_LOCALS = ("info", "sales", "office")

GENDERS = ("female", "male", "non_binary", "unknown")
GENDER_WEIGHTS = (48, 46, 2, 4)

CUSTOM_ATTRIBUTES = (
    "favourite_store",
    "vip",
    "shoe_size",
    "preferred_contact",
    "loyalty_tier",
    "referral_code",
    "pet_owner",
    "newsletter_frequency",
    "clothing_size",
    "sports",
    "student",
    "b2b_account",
)
STORES = (
    "Centro",
    "Airport",
    "Outlet",
    "Mall",
    "Harbour",
    "Old Town",
    "Station",
    "Riverside",
)

CATEGORIES: tuple[tuple[str, float, float, tuple[str, ...]], ...] = (
    # (category, median USD price, sigma, nouns)
    (
        "Shoes",
        85.0,
        0.45,
        ("Trail shoe", "Running shoe", "Sneaker", "Hiking boot", "Sandal", "Loafer", "Ankle boot"),
    ),
    (
        "Apparel",
        45.0,
        0.6,
        (
            "T-shirt",
            "Hoodie",
            "Rain jacket",
            "Fleece",
            "Chinos",
            "Dress",
            "Sweater",
            "Leggings",
            "Parka",
        ),
    ),
    (
        "Accessories",
        25.0,
        0.7,
        ("Cap", "Beanie", "Scarf", "Backpack", "Belt", "Wallet", "Sunglasses", "Water bottle"),
    ),
    (
        "Outdoor",
        70.0,
        0.8,
        (
            "Tent",
            "Sleeping bag",
            "Camping stove",
            "Headlamp",
            "Trekking poles",
            "Daypack",
            "Hammock",
        ),
    ),
    (
        "Home",
        35.0,
        0.7,
        ("Candle", "Throw blanket", "Mug set", "Cushion", "Vase", "Table lamp", "Plant pot"),
    ),
    (
        "Beauty",
        22.0,
        0.5,
        ("Face cream", "Shampoo", "Lip balm", "Sunscreen", "Body lotion", "Serum", "Hand soap"),
    ),
    (
        "Electronics",
        120.0,
        0.9,
        ("Earbuds", "Smartwatch", "Power bank", "Speaker", "Action camera", "Charger"),
    ),
    (
        "Kids",
        30.0,
        0.6,
        ("Kids jacket", "Kids sneaker", "Plush toy", "Puzzle", "School backpack", "Rain boots"),
    ),
)
CATEGORY_WEIGHTS = (16, 24, 14, 9, 11, 12, 6, 8)
CONSUMABLE_CATEGORIES = frozenset({"Beauty", "Home"})
ADJECTIVES = (
    "Classic",
    "Lightweight",
    "Everyday",
    "Alpine",
    "Urban",
    "Coastal",
    "Organic",
    "Pro",
    "Essential",
    "Heritage",
    "Nordic",
    "Merino",
    "Recycled",
    "Compact",
    "Ultra",
    "Soft",
    '12" Deluxe',
    "Waterproof",
    "Vintage",
    "Studio",
)
BRANDS = (
    "Norda",
    "Fjellrev",
    "Kestrel",
    "Alta Vista",
    "Blue Heron",
    "Copperline",
    "Driftwood",
    "Everpine",
    "Foxglove",
    "Granite & Co",
    "Halcyon",
    "Ironbark",
    "Juniper Lane",
    "Kinfolk",
    "Lumen",
    "Mistral",
    "Northstar",
    "Oakridge",
    "Pebble",
    "Quarry",
    "Redwood",
    "Saltmarsh",
    "Tidewater",
    "Umbra",
    "Vela",
    "Willowmere",
)

DISCOUNT_CODES = (
    "SPRING10",
    "SUMMER15",
    "WELCOME10",
    "FREESHIP",
    "VIP20",
    "LOYAL5",
    "BACK2SCHOOL",
    "FLASH25",
)
BLACK_FRIDAY_CODES = ("BLACKFRIDAY25", "CYBER20")

SEARCH_TERMS = (
    "rain jacket",
    "trail shoes",
    "gift for her",
    "gift for him",
    "tent 2 person",
    "merino",
    "sale",
    "black friday",
    "earbuds",
    "kids boots",
    "face cream",
    "backpack",
    "size 42",
    "vegan",
    "candle",
    "sunscreen spf 50",
)

REFERRERS = (
    "https://www.google.com/",
    "https://www.google.com/",
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
    "https://www.instagram.com/",
    "https://www.facebook.com/",
    "https://www.pinterest.com/",
    "https://t.co/",
    None,
    None,
    None,
)

BROWSER_AGENTS = {
    # device type -> tuple of (user agent, manufacturer, model, library)
    "desktop": (
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/141.0.0.0 Safari/537.36",
            None,
            None,
            "analytics.js",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.4 Safari/605.1.15",
            "Apple",
            None,
            "analytics.js",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:139.0) Gecko/20100101 Firefox/139.0",
            None,
            None,
            "analytics.js",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0",
            None,
            None,
            "analytics.js",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/141.0.0.0 Safari/537.36",
            None,
            None,
            "analytics.js",
        ),
    ),
    "mobile": (
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1",
            "Apple",
            "iPhone15,2",
            "analytics.js",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
            "Apple",
            "iPhone14,5",
            "analytics.js",
        ),
        (
            "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/141.0.0.0 Mobile Safari/537.36",
            "Google",
            "Pixel 9",
            "analytics.js",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/140.0.0.0 Mobile Safari/537.36",
            "samsung",
            "SM-S921B",
            "analytics.js",
        ),
    ),
    "app": (
        ("Norda/5.12.0 (iPhone; iOS 18.4; Scale/3.00)", "Apple", "iPhone16,1", "analytics-ios"),
        ("Norda/5.11.2 (iPhone; iOS 17.6; Scale/3.00)", "Apple", "iPhone13,2", "analytics-ios"),
        ("Norda/5.12.0 (Linux; Android 15; Pixel 8)", "Google", "Pixel 8", "analytics-android"),
        ("Norda/5.10.4 (Linux; Android 14; SM-A546B)", "samsung", "SM-A546B", "analytics-android"),
    ),
}
LIBRARY_VERSIONS = {
    "analytics.js": "4.1.0",
    "analytics-ios": "4.6.1",
    "analytics-android": "4.15.2",
}

CRAWLER_AGENTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
    "+https://openai.com/gptbot)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/141.0.0.0 Safari/537.36",
    "python-requests/2.32.3",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
)

# Mail clients that open email as a person would.
MAIL_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/141.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/141.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; Microsoft "
    "Outlook 16.0.17928; ms-office; MSOffice 16)",
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
)
# Apple Mail Privacy Protection fetches images through a proxy with a generic agent.
APPLE_PROXY_AGENT = "Mozilla/5.0"
APPLE_PROXY_NETS = ("17.58.", "17.57.", "104.28.", "172.225.")
# Security gateways that follow links seconds after delivery.
SCANNER_AGENTS = (
    "Mozilla/5.0 (compatible; Barracuda Sentinel; +https://www.barracuda.com)",
    "Mimecast-URL-Protect/1.0",
    "Mozilla/5.0 (compatible; Proofpoint URL Defense)",
    "Microsoft Office Protocol Discovery (Safe Links)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/96.0.4664.110 Safari/537.36 (compatible; SophosURLScanner)",
)
SCANNER_NETS = ("40.94.", "52.100.", "205.220.", "185.58.")

BOUNCE_REASONS = (
    ("550 5.1.1 The email account that you tried to reach does not exist.", "5.1.1"),
    ("550 5.1.1 <{email}>: Recipient address rejected: User unknown", "5.1.1"),
    ("552 5.2.2 Mailbox full", "5.2.2"),
)
BLOCK_REASONS = (
    ("421 4.7.0 Temporary rate limit exceeded, try again later", "4.7.0"),
    ("554 5.7.1 Message rejected due to content policy", "5.7.1"),
)
DEFER_REASONS = (
    ("421 4.7.0 Try again later, closing connection.", "4.7.0"),
    ("450 4.2.1 The user you are trying to contact is receiving mail too quickly.", "4.2.1"),
)
DROP_REASONS = ("Bounced Address", "Unsubscribed Address", "Spam Reporting Address", "Invalid")

ENRICHMENT_VENDORS = ("DataNest", "Audiencia", "PeopleGraph")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
INCOME_BANDS = ("<25k", "25-50k", "50-75k", "75-100k", "100-150k", "150k+")
INTERESTS = (
    "outdoor",
    "running",
    "fashion",
    "home_decor",
    "beauty",
    "tech",
    "travel",
    "fitness",
    "cooking",
    "gardening",
    "parenting",
    "pets",
    "gaming",
    "music",
)
