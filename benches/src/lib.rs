//! Shared helpers of the genesys-chat benchmarks.
