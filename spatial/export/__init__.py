"""Results out to where planners keep them: Excel, GeoPackage with QGIS styles, File GDB, PostGIS."""
