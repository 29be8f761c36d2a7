//! The reqwest transport of genesys-chat.
