//! W3C VC Data Model 2.0 checks for credentials submitted to the generic issuing path.
