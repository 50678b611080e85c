package store

// Migration 17 takes the transfer id out of the keys that posting writes
// into at random. PortOne's transfer ids are the intents' ids, hashes of
// the record's key, so every answer posting recorded went into the middle
// of portone_transfers_report (transfer_id, status, a_settlement), and
// each group of answers rewrote a leaf page of that index per answer.
// Dropping it and the status history's transfer-id index together took
// 8–17 % off the CPU of posting a 100k night (two runs each, under load);
// recording alone (BenchmarkRecordResults, groups of 2048) went from
// 7.1–7.9k to 8.7–10.1k outcomes per CPU second with this one gone. The
// history's index stays: the history of a transfer deleted at PortOne is
// found by its transfer id (correct.go, OrderView). The report finds
// an intent's answer through the index of the answers' intents instead
// (intent_ref is the intent's row id: answers are recorded in claim order,
// so its entries are appended), which now holds the columns the report
// reads too; reportAnswerJoin falls back to the transfer id for an answer
// whose intent_ref is not the intent's. The unique index of the transfer
// id stays: it is the key PortOne knows a transfer by.
const schemaV17 = `
DROP INDEX portone_transfers_report;
DROP INDEX portone_transfers_intent;
CREATE INDEX portone_transfers_intent ON portone_transfers (intent_ref, transfer_id, status, a_settlement);
`

// reportAnswerJoin joins PortOne's answer of the intent i as p, for the
// report's queries, which read its columns through answerCol. On SQLite p
// is found through portone_transfers_intent (the answer recorded for the
// intent, in the order the report reads intents), and pf through the
// transfer id only when p is not there: an answer recorded before its
// intent was completed, or for another intent. The transfer id is
// unique, so the two find the same answer or none. pf's key is NULL when
// p is found, which SQLite tests before it seeks: "p.id IS NULL AND …"
// still sought pf for every row (0.17 s against 0.46–0.92 s for the
// intents of a 100k night). PostgreSQL joins on the transfer id, as
// reconcile does (answerOfIntent).
func (s *Store) reportAnswerJoin() string {
	if s.dialect != SQLite {
		return `
	LEFT JOIN portone_transfers p ON p.transfer_id = i.portone_transfer_id`
	}
	return `
	LEFT JOIN portone_transfers p INDEXED BY portone_transfers_intent ON p.intent_ref = i.id AND p.transfer_id = i.portone_transfer_id
	LEFT JOIN portone_transfers pf ON pf.transfer_id = CASE WHEN p.id IS NULL THEN i.portone_transfer_id END`
}

// answerCol is the column c of the answer reportAnswerJoin joins.
func (s *Store) answerCol(c string) string {
	if s.dialect != SQLite {
		return "p." + c
	}
	return "COALESCE(p." + c + ", pf." + c + ")"
}
