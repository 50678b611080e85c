package store

// schemaDigest stores, with our settlement and with PortOne's answer, the
// fingerprint of everything reconciliation compares
// (settlement.Transfer.CompareDigest): a night's check is then two short
// columns per pair instead of every amount of every line (issue #12).
// Rows stored before it have an empty digest and are compared column by
// column as before (ReconcileChecks).
const schemaDigest = `
ALTER TABLE settlements ADD COLUMN compare_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE portone_transfers ADD COLUMN compare_digest TEXT NOT NULL DEFAULT '';
`
