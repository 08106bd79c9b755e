"""The 17 mairies d'arrondissement: reference data every mairie-side record hangs on."""
