//! The Genesys Cloud Chat service emulator.
