// Placeholder for a module with no sources yet.
