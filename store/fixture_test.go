package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// writeV1Fixture makes testdata/store/v1.db, a database as settle wrote it
// at schema version 1, with SQL on the version-1 tables only: it never goes
// through today's API, whose models follow today's schema, so it keeps
// working as the schema moves on. It holds:
//
//   - order pay-1 of partner-1 with its settlement (hashes as today's code
//     computes them, which TestUpgradeFromV1 shows are stable), its intent
//     pending, and the settle run of 2025-10-01 done;
//   - cancellations cx-1 and cx-2 of pay-1, settled, their intents posted,
//     and PortOne's answers as versions before 4 stored them: as received,
//     cx-1 with its amounts negated (PortOne may answer a cancel so), cx-2
//     positive.
func writeV1Fixture(t *testing.T, dst string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "v1.db")
	fixed := func() time.Time { return time.Date(2025, 10, 2, 17, 0, 0, 0, time.UTC) } // the same file on every run
	s := openT(t, path, withMaxVersion(1), WithClock(fixed))
	db := s.db.WithContext(context.Background())
	now := "2025-10-02T17:00:00.000000Z"
	d1 := "2025-10-01"

	order := sampleOrder("partner-1", "pay-1", 2)
	oid := insertV1(t, db, "orders", map[string]any{
		"partner_id": "partner-1", "payment_id": "pay-1", "contract_id": "c1", "has_lines": 1,
		"settlement_start_date": d1, "paid_at": "2025-10-01T00:30:00.000000Z", "business_date": d1,
		"request_json": string(order.Request), "request_hash": requestHashV1(t, order.Request), "source": "http", "received_at": now,
	})
	for i, l := range order.Order.Lines {
		insertV1(t, db, "order_lines", map[string]any{"order_ref": oid, "line_no": i + 1, "product_id": l.Product.ID,
			"product_name": l.Product.Name, "product_amount": int64(l.Product.Amount), "product_tax_free": int64(l.Product.TaxFree),
			"product_tag": l.Product.Tag, "quantity": l.Quantity})
		for j, d := range l.Discounts {
			insertV1(t, db, "order_discounts", map[string]any{"order_ref": oid, "line_no": i + 1, "seq": j,
				"share_policy_id": d.SharePolicyID, "amount": int64(d.Amount), "tax_free": int64(d.TaxFree)})
		}
		for j, f := range l.AdditionalFees {
			insertV1(t, db, "order_additional_fees", map[string]any{"order_ref": oid, "line_no": i + 1, "seq": j, "policy_id": f})
		}
	}
	for j, d := range order.Order.Discounts {
		insertV1(t, db, "order_discounts", map[string]any{"order_ref": oid, "line_no": 0, "seq": j,
			"share_policy_id": d.SharePolicyID, "amount": int64(d.Amount), "tax_free": int64(d.TaxFree)})
	}
	for j, f := range order.Order.AdditionalFees {
		insertV1(t, db, "order_additional_fees", map[string]any{"order_ref": oid, "line_no": 0, "seq": j, "policy_id": f})
	}
	sid := insertSettlementV1(t, db, sampleSettlement("partner-1", "pay-1", 2), oid, 0, now)
	insertIntentV1(t, db, "partner-1", "pay-1", settlement.KindOrder, "", sid, "pending", "", now)

	for _, cx := range []struct {
		id      string
		negated bool
	}{{"cx-1", true}, {"cx-2", false}} {
		c := sampleCancel("partner-1", "pay-1", cx.id, 1)
		cid := insertV1(t, db, "cancellations", map[string]any{
			"partner_id": "partner-1", "cancellation_id": cx.id, "payment_id": "pay-1", "order_ref": oid, "form": "LINES",
			"cancelled_at": "2025-10-02T01:00:00.000000Z", "business_date": "2025-10-02", "request_json": string(c.Request),
			"request_hash": requestHashV1(t, c.Request), "source": "import", "received_at": now,
		})
		insertV1(t, db, "cancellation_lines", map[string]any{"cancellation_ref": cid, "line_no": 1, "product_id": "p1", "quantity": 1})
		rec := sampleCancelSettlement(cx.id)
		sid := insertSettlementV1(t, db, rec, oid, cid, now)
		tid := "tr-" + cx.id
		iid := insertIntentV1(t, db, "partner-1", "pay-1", settlement.KindOrderCancel, cx.id, sid, "posted", tid, now)
		answer := rec.Transfer
		answer.Lines = slices.Clone(rec.Transfer.Lines)
		if cx.negated {
			neg := func(a *settlement.Amounts) {
				n, err := a.Neg()
				if err != nil {
					t.Fatal(err)
				}
				*a = n
			}
			neg(&answer.Amounts)
			for i := range answer.Lines {
				neg(&answer.Lines[i].Amounts)
			}
		}
		row := map[string]any{"transfer_id": tid, "intent_ref": iid, "partner_id": "partner-1", "payment_id": "pay-1",
			"kind": "ORDER_CANCEL", "cancellation_id": cx.id, "status": "SCHEDULED", "settlement_start_date": answer.SettlementStartDate.String(),
			"settlement_date": answer.SettlementDate.String(), "raw_json": `{"id":"` + tid + `"}`, "recorded_at": now, "updated_at": now}
		pid := insertV1(t, db, "portone_transfers", amountsV1(row, &answer.Amounts))
		for i, l := range answer.Lines {
			insertV1(t, db, "portone_transfer_lines", amountsV1(map[string]any{"portone_transfer_ref": pid, "line_no": i + 1,
				"product_id": l.Product.ID, "quantity": l.Quantity}, &l.Amounts))
		}
		insertV1(t, db, "transfer_status_history", map[string]any{"transfer_id": tid, "intent_id": string(IntentID("partner-1", "pay-1", settlement.KindOrderCancel, settlement.CancellationID(cx.id), 0)),
			"partner_id": "partner-1", "to_status": "SCHEDULED", "source": "posted", "observed_at": now})
	}
	insertV1(t, db, "job_runs", map[string]any{"job": "settle", "business_date": d1, "status": "done", "counts_json": `{"orders":1}`,
		"started_at": now, "finished_at": now, "owner": "fixture", "attempts": 1})

	if err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
		t.Fatal(err)
	}
	if rdb, err := s.rdb.DB(); err == nil {
		rdb.Close() // readers keep the WAL open
	}
	for _, q := range []string{"PRAGMA journal_mode=DELETE", "PRAGMA page_size=1024", "VACUUM"} { // a small file to commit
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, path, dst)
	t.Logf("wrote %s", dst)
}

// sampleCancelSettlement is the computed transfer of a cancellation of one
// p1 of sampleOrder, as the fixture stores it.
func sampleCancelSettlement(cancellationID string) SettlementRecord {
	rec := sampleSettlement("partner-1", "pay-1", 1)
	rec.Transfer.Kind, rec.Transfer.CancellationID = settlement.KindOrderCancel, settlement.CancellationID(cancellationID)
	rec.Transfer.Discounts, rec.Transfer.AdditionalFees = nil, nil
	rec.IntentRequest = nil
	return rec
}

// insertV1 inserts row into table and returns its id.
func insertV1(t *testing.T, db *gorm.DB, table string, row map[string]any) int64 {
	t.Helper()
	cols := make([]string, 0, len(row))
	for c := range row {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = row[c]
	}
	var id int64
	q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(cols)-1) + ") RETURNING id"
	if err := db.Raw(q, args...).Scan(&id).Error; err != nil {
		t.Fatalf("insert into %s: %v", table, err)
	}
	return id
}

// amountsV1 adds the version-1 amount columns of a to row.
func amountsV1(row map[string]any, a *settlement.Amounts) map[string]any {
	for _, n := range amountNamesV1() {
		for _, f := range settlement.AmountFields {
			if snake(f.Name) == n {
				row["a_"+n] = int64(*f.Get(a))
			}
		}
	}
	return row
}

func requestHashV1(t *testing.T, raw []byte) string {
	t.Helper()
	p, err := requestPayload("record", "fixture", raw)
	if err != nil {
		t.Fatal(err)
	}
	return p.hash
}

func insertSettlementV1(t *testing.T, db *gorm.DB, rec SettlementRecord, orderRef, cancelRef int64, now string) int64 {
	t.Helper()
	tr := &rec.Transfer
	sum := sha256.Sum256(settlementPayload(&rec, nil))
	row := map[string]any{"partner_id": string(tr.PartnerID), "payment_id": string(tr.PaymentID), "kind": string(tr.Kind),
		"cancellation_id": string(tr.CancellationID), "order_ref": orderRef, "contract_id": tr.ContractID,
		"contract_version": rec.ContractVersion, "policy_versions": encodePolicyVersions(rec.PolicyVersions),
		"business_date": rec.BusinessDate.String(), "settlement_start_date": tr.SettlementStartDate.String(),
		"settlement_date": tr.SettlementDate.String(), "detail_json": encodeDetail(tr.Discounts, tr.AdditionalFees, tr.UserDefined),
		"hash": hex.EncodeToString(sum[:]), "computed_at": now}
	if cancelRef > 0 {
		row["cancellation_ref"] = cancelRef
	}
	id := insertV1(t, db, "settlements", amountsV1(row, &tr.Amounts))
	for i, l := range tr.Lines {
		insertV1(t, db, "settlement_lines", amountsV1(map[string]any{"settlement_ref": id, "line_no": i + 1, "product_id": l.Product.ID,
			"product_name": l.Product.Name, "quantity": l.Quantity, "settlement_start_date": tr.SettlementStartDate.String(),
			"settlement_date": tr.SettlementDate.String(), "detail_json": encodeDetail(l.Discounts, l.AdditionalFees, l.UserDefined)}, &l.Amounts))
	}
	return id
}

func insertIntentV1(t *testing.T, db *gorm.DB, partner, payment string, kind settlement.Kind, cancellation string, settlementRef int64, status, transferID, now string) int64 {
	t.Helper()
	req := `{"paymentId":"` + payment + `"}`
	if cancellation != "" {
		req = `{"cancellationId":"` + cancellation + `","paymentId":"` + payment + `"}`
	}
	return insertV1(t, db, "transfer_intents", map[string]any{
		"intent_id":  string(IntentID(settlement.PartnerID(partner), settlement.PaymentID(payment), kind, settlement.CancellationID(cancellation), 0)),
		"partner_id": partner, "payment_id": payment, "kind": string(kind), "cancellation_id": cancellation, "settlement_ref": settlementRef,
		"business_date": "2025-10-01", "request_json": req, "request_hash": requestHashV1(t, []byte(req)), "status": status,
		"portone_transfer_id": transferID, "created_at": now, "updated_at": now,
	})
}
