"""Public trust endpoints: CA certificates, CRLs, OCSP, the TSA and the verify page."""
