"""The mairies d'arrondissement since the 2020 merger of the 1st-4th into Paris Centre.

The code is stable: it is used on the command line, in scenario files and exports.
"""

MAIRIES = [
    ("centre", "Mairie de Paris Centre", "2 rue Eugène Spuller, 75003 Paris"),
    ("5e", "Mairie du 5e arrondissement", "21 place du Panthéon, 75005 Paris"),
    ("6e", "Mairie du 6e arrondissement", "78 rue Bonaparte, 75006 Paris"),
    ("7e", "Mairie du 7e arrondissement", "116 rue de Grenelle, 75007 Paris"),
    ("8e", "Mairie du 8e arrondissement", "3 rue de Lisbonne, 75008 Paris"),
    ("9e", "Mairie du 9e arrondissement", "6 rue Drouot, 75009 Paris"),
    ("10e", "Mairie du 10e arrondissement", "72 rue du Faubourg Saint-Martin, 75010 Paris"),
    ("11e", "Mairie du 11e arrondissement", "12 place Léon Blum, 75011 Paris"),
    ("12e", "Mairie du 12e arrondissement", "130 avenue Daumesnil, 75012 Paris"),
    ("13e", "Mairie du 13e arrondissement", "1 place d'Italie, 75013 Paris"),
    ("14e", "Mairie du 14e arrondissement", "2 place Ferdinand Brunot, 75014 Paris"),
    ("15e", "Mairie du 15e arrondissement", "31 rue Péclet, 75015 Paris"),
    ("16e", "Mairie du 16e arrondissement", "71 avenue Henri Martin, 75016 Paris"),
    ("17e", "Mairie du 17e arrondissement", "16-20 rue des Batignolles, 75017 Paris"),
    ("18e", "Mairie du 18e arrondissement", "1 place Jules Joffrin, 75018 Paris"),
    ("19e", "Mairie du 19e arrondissement", "5-7 place Armand Carrel, 75019 Paris"),
    ("20e", "Mairie du 20e arrondissement", "6 place Gambetta, 75020 Paris"),
]
