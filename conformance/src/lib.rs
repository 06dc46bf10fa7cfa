//! natter-conformance: language-neutral JSON test vectors for the Natter
//! protocol, and their runner.
