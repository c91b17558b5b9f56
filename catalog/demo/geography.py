"""Territories used by the demo files: real commune, EPCI and Caf names, invented sizes.

The weights (rough number of foyers allocataires) are invented: they only make small communes produce
small, masked counts and cities large ones. No figure here comes from the Cnaf.
"""

from __future__ import annotations

# (Insee code as a 5-character string, name with accents, weight)
COMMUNES: list[tuple[str, str, int]] = [
    ("01001", "L'Abergement-Clémenciat", 95),
    ("01002", "L'Abergement-de-Varey", 30),
    ("01004", "Ambérieu-en-Bugey", 2900),
    ("01005", "Ambérieux-en-Dombes", 210),
    ("01006", "Ambléon", 12),
    ("01007", "Ambronay", 380),
    ("01008", "Ambutrix", 110),
    ("01009", "Andert-et-Condon", 45),
    ("01010", "Anglefort", 150),
    ("01053", "Bourg-en-Bresse", 7400),
    ("02168", "Château-Thierry", 2600),
    ("02408", "Laon", 4100),
    ("02691", "Saint-Quentin", 11200),
    ("03185", "Montluçon", 6300),
    ("06088", "Nice", 52000),
    ("08105", "Charleville-Mézières", 8100),
    ("13055", "Marseille", 148000),
    ("2A001", "Afa", 420),
    ("2A004", "Ajaccio", 9800),
    ("2A006", "Alata", 520),
    ("2B002", "Aghione", 40),
    ("2B033", "Bastia", 7600),
    ("25056", "Besançon", 19500),
    ("29019", "Brest", 22400),
    ("30189", "Nîmes", 24300),
    ("31555", "Toulouse", 76500),
    ("33063", "Bordeaux", 41200),
    ("33281", "Mérignac", 9900),
    ("33318", "Pessac", 8200),
    ("34172", "Montpellier", 48100),
    ("35238", "Rennes", 33600),
    ("38185", "Grenoble", 26800),
    ("42218", "Saint-Étienne", 27900),
    ("44109", "Nantes", 46300),
    ("45234", "Orléans", 16200),
    ("48095", "Mende", 1600),
    ("51454", "Reims", 27100),
    ("59350", "Lille", 41700),
    ("63113", "Clermont-Ferrand", 21800),
    ("67482", "Strasbourg", 44900),
    ("69123", "Lyon", 78400),
    ("75056", "Paris", 301000),
    ("76540", "Rouen", 17300),
    ("80021", "Amiens", 20100),
    ("87085", "Limoges", 19800),
    ("93066", "Saint-Denis", 18900),
    ("97105", "Basse-Terre", 1900),
    ("97209", "Fort-de-France", 13500),
    ("97302", "Cayenne", 9200),
    ("97411", "Saint-Denis", 23700),
]

# Communes of the Gironde, for the dataset published by the Caf de la Gironde.
GIRONDE_COMMUNES: list[tuple[str, str, int]] = [
    ("33009", "Arcachon", 1500),
    ("33039", "Bègles", 3900),
    ("33063", "Bordeaux", 41200),
    ("33069", "Le Bouscat", 2200),
    ("33119", "Cenon", 3800),
    ("33192", "Gradignan", 2300),
    ("33243", "Libourne", 3600),
    ("33249", "Lormont", 3900),
    ("33281", "Mérignac", 9900),
    ("33318", "Pessac", 8200),
    ("33522", "Talence", 6100),
    ("33550", "Villenave-d'Ornon", 4000),
]

# Communes every commune file keeps, so that accents and Corsica codes are always present.
ALWAYS_KEPT = {"01001", "01006", "02168", "2A004", "2B033", "42218", "30189"}

# (SIREN, name, département codes of its communes, weight). SIRENs of the small EPCIs are invented.
EPCIS: list[tuple[str, str, str, int]] = [
    ("200046977", "Métropole de Lyon", "69", 152000),
    ("243300316", "Bordeaux Métropole", "33", 98000),
    ("244400404", "Nantes Métropole", "44", 76000),
    ("243100518", "Toulouse Métropole", "31", 94000),
    ("246700488", "Eurométropole de Strasbourg", "67", 61000),
    ("243500139", "Rennes Métropole", "35", 51000),
    ("200040715", "Grenoble-Alpes-Métropole", "38", 47000),
    ("200035210", "CA de la Région de Château-Thierry", "02", 6900),
    ("200071249", "CA du Pays de Laon", "02", 5800),
    ("200069193", "CC de la Dombes", "01", 3700),
    ("200042935", "CA du Bassin de Bourg-en-Bresse", "01", 14600),
    ("200067361", "CC Plaine de l'Ain", "01,38", 6400),
    ("200066744", "CA du Pays Ajaccien", "2A", 11900),
    ("200034957", "CC Cœur de Lozère", "48", 2100),
    ("249740077", "CA Cap Excellence", "971", 14800),
    ("200027548", "CA du Centre Littoral", "973", 16300),
]

# (Caf number, name with accents, département code, weight)
CAFS: list[tuple[str, str, str, int]] = [
    ("011", "Caf de l'Ain", "01", 78000),
    ("021", "Caf de l'Aisne", "02", 72000),
    ("031", "Caf de l'Allier", "03", 46000),
    ("061", "Caf des Alpes-Maritimes", "06", 139000),
    ("091", "Caf de l'Ariège", "09", 19000),
    ("131", "Caf des Bouches-du-Rhône", "13", 287000),
    ("201", "Caf de la Corse-du-Sud", "2A", 19000),
    ("202", "Caf de la Haute-Corse", "2B", 20000),
    ("261", "Caf de la Drôme", "26", 62000),
    ("291", "Caf du Finistère", "29", 110000),
    ("301", "Caf du Gard", "30", 98000),
    ("311", "Caf de la Haute-Garonne", "31", 175000),
    ("331", "Caf de la Gironde", "33", 209000),
    ("341", "Caf de l'Hérault", "34", 151000),
    ("351", "Caf d'Ille-et-Vilaine", "35", 126000),
    ("381", "Caf de l'Isère", "38", 151000),
    ("441", "Caf de la Loire-Atlantique", "44", 157000),
    ("481", "Caf de la Lozère", "48", 8000),
    ("591", "Caf du Nord", "59", 367000),
    ("641", "Caf des Pyrénées-Atlantiques", "64", 78000),
    ("671", "Caf du Bas-Rhin", "67", 132000),
    ("691", "Caf du Rhône", "69", 222000),
    ("701", "Caf de la Haute-Saône", "70", 27000),
    ("751", "Caf de Paris", "75", 318000),
    ("931", "Caf de la Seine-Saint-Denis", "93", 237000),
    ("971", "Caf de la Guadeloupe", "971", 96000),
    ("972", "Caf de la Martinique", "972", 82000),
    ("973", "Caf de la Guyane", "973", 51000),
    ("974", "Caf de La Réunion", "974", 248000),
]

# (code, name, weight) for the département-level files of the current portal.
DEPARTEMENTS: list[tuple[str, str, int]] = [
    ("01", "Ain", 78000), ("02", "Aisne", 72000), ("03", "Allier", 46000),
    ("06", "Alpes-Maritimes", 139000), ("09", "Ariège", 19000), ("13", "Bouches-du-Rhône", 287000),
    ("2A", "Corse-du-Sud", 19000), ("2B", "Haute-Corse", 20000), ("26", "Drôme", 62000),
    ("29", "Finistère", 110000), ("30", "Gard", 98000), ("31", "Haute-Garonne", 175000),
    ("33", "Gironde", 209000), ("34", "Hérault", 151000), ("35", "Ille-et-Vilaine", 126000),
    ("38", "Isère", 151000), ("44", "Loire-Atlantique", 157000), ("48", "Lozère", 8000),
    ("59", "Nord", 367000), ("64", "Pyrénées-Atlantiques", 78000), ("67", "Bas-Rhin", 132000),
    ("69", "Rhône", 222000), ("70", "Haute-Saône", 27000), ("75", "Paris", 318000),
    ("93", "Seine-Saint-Denis", 237000), ("971", "Guadeloupe", 96000), ("972", "Martinique", 82000),
    ("973", "Guyane", 51000), ("974", "La Réunion", 248000),
]
