//! The ureq transport of genesys-chat.
