package store

// schemaReportIndexes (migration 15) gives the workbook's joins from a
// settlement to its intent, PortOne's transfer and PortOne's lines
// indexes that hold every column those joins read, so that an export
// reads them from the index alone instead of each table row: an intent's
// row carries its request (~600 bytes), a PortOne transfer's its raw
// answer (~1.3 KB), so the tables are ten times the size of the indexes
// and the report, which visits them partner by partner rather than in
// the order they were written, touched a different page of them for
// nearly every row. PortOne's lines were also matched by product through
// every line of the transfer (each a table row); the index finds the one.
// The report queries name these indexes (reportJoins): SQLite's planner
// would otherwise take the unique indexes of the same prefix.
//
// Migration 17 dropped portone_transfers_report (its random keys cost
// every answer posting records) for a wider portone_transfers_intent
// (reportAnswerJoin).
//
// They cost an index entry per intent, transfer and PortOne line written,
// and an update of it when an intent's status or a transfer's status
// changes (post, sync).
const schemaReportIndexes = `
CREATE INDEX transfer_intents_report ON transfer_intents (partner_id, payment_id, kind, cancellation_id, intent_id, status, portone_transfer_id);
CREATE INDEX portone_transfers_report ON portone_transfers (transfer_id, status, a_settlement);
CREATE INDEX portone_transfer_lines_report ON portone_transfer_lines (portone_transfer_ref, product_id, a_settlement);
`

// indexedBy is SQLite's hint that a table of a join is read through the
// named index (migration 15); PostgreSQL's planner picks index-only scans
// itself.
func (s *Store) indexedBy(index string) string {
	if s.dialect != SQLite {
		return ""
	}
	return " INDEXED BY " + index
}

// reportAnswer is joinAnswer for the report read models: the intent and
// PortOne's transfer through the indexes that cover the columns they read.
func (s *Store) reportAnswer(join string) string {
	return `
` + join + ` transfer_intents i` + s.indexedBy("transfer_intents_report") + ` ON i.partner_id = s.partner_id AND i.payment_id = s.payment_id
	AND i.kind = s.kind AND i.cancellation_id = s.cancellation_id`
}
