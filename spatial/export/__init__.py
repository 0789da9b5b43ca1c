"""Results out to where planners keep them: Excel, GeoPackage styled for QGIS, File GDB, PostGIS."""
