package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// SettlementRecord is one computed transfer (an order's or a
// cancellation's) with the terms that produced it. Transfer carries the
// block, the line blocks, the order-level discounts and fees, and the dates.
type SettlementRecord struct {
	Transfer        settlement.Transfer
	BusinessDate    settlement.Date
	ContractVersion int            // version of Transfer.ContractID applied
	PolicyVersions  map[string]int // policy id → version applied (discount-share and additional-fee)

	// IntentRequest, when set, is the PortOne request body (JSON) to post
	// for this transfer; SaveSettlement creates its transfer intent, with
	// client id IntentID(partner, payment, kind, cancellation), in the same
	// transaction.
	IntentRequest []byte

	// Set by the store on read.
	ID         int64
	ComputedAt time.Time
}

// Key is the settlement's unique key in messages.
func (r *SettlementRecord) Key() string {
	t := &r.Transfer
	return transferKey(t.PartnerID, t.PaymentID, t.Kind, t.CancellationID)
}

func transferKey(partner, payment string, kind settlement.Kind, cancellation string) string {
	k := fmt.Sprintf("partner %q payment %q kind %s", partner, payment, kind)
	if cancellation != "" {
		k += fmt.Sprintf(" cancellation %q", cancellation)
	}
	return k
}

type discountJSON struct {
	SharePolicyID string `json:"sharePolicyId"`
	Amount        int64  `json:"amount"`
	TaxFree       int64  `json:"taxFreeAmount"`
	ShareAmount   int64  `json:"shareAmount"`
	ShareTaxFree  int64  `json:"shareTaxFreeAmount"`
}

type feeJSON struct {
	PolicyID string `json:"policyId"`
	Amount   int64  `json:"amount"`
	VAT      int64  `json:"vat"`
}

type detailJSON struct {
	Discounts []discountJSON `json:"discounts,omitempty"`
	Fees      []feeJSON      `json:"additionalFees,omitempty"`
}

func encodeDetail(ds []settlement.DiscountResult, fs []settlement.FeeResult) string {
	if len(ds) == 0 && len(fs) == 0 {
		return ""
	}
	var d detailJSON
	for _, x := range ds {
		d.Discounts = append(d.Discounts, discountJSON{x.SharePolicyID, int64(x.Amount), int64(x.TaxFree), int64(x.ShareAmount), int64(x.ShareTaxFree)})
	}
	for _, x := range fs {
		d.Fees = append(d.Fees, feeJSON{x.PolicyID, int64(x.Amount), int64(x.VAT)})
	}
	b, _ := json.Marshal(d)
	return string(b)
}

func decodeDetail(s string) ([]settlement.DiscountResult, []settlement.FeeResult, error) {
	if s == "" {
		return nil, nil, nil
	}
	var d detailJSON
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, nil, err
	}
	var ds []settlement.DiscountResult
	var fs []settlement.FeeResult
	for _, x := range d.Discounts {
		ds = append(ds, settlement.DiscountResult{SharePolicyID: x.SharePolicyID, Amount: settlement.Won(x.Amount), TaxFree: settlement.Won(x.TaxFree), ShareAmount: settlement.Won(x.ShareAmount), ShareTaxFree: settlement.Won(x.ShareTaxFree)})
	}
	for _, x := range d.Fees {
		fs = append(fs, settlement.FeeResult{PolicyID: x.PolicyID, Amount: settlement.Won(x.Amount), VAT: settlement.Won(x.VAT)})
	}
	return ds, fs, nil
}

// amountsJSON renders a block by PortOne's field names.
func amountsJSON(a *settlement.Amounts) map[string]int64 {
	m := make(map[string]int64, len(settlement.AmountFields))
	for _, f := range settlement.AmountFields {
		m[f.Name] = int64(*f.Get(a))
	}
	return m
}

// settlementCanon is the payload of a settlement for Duplicate vs Conflict:
// everything computed, in PortOne's names, so a conflict names the field.
func settlementCanon(r *SettlementRecord) []byte {
	t := &r.Transfer
	type line struct {
		ProductID string           `json:"productId"`
		Name      string           `json:"productName"`
		Quantity  int64            `json:"quantity"`
		Amount    map[string]int64 `json:"amount"`
		Detail    string           `json:"detail,omitempty"`
	}
	v := struct {
		ContractID          string           `json:"contractId"`
		ContractVersion     int              `json:"contractVersion"`
		PolicyVersions      map[string]int   `json:"policyVersions,omitempty"`
		BusinessDate        string           `json:"businessDate"`
		SettlementStartDate string           `json:"settlementStartDate"`
		SettlementDate      string           `json:"settlementDate"`
		Amount              map[string]int64 `json:"amount"`
		Detail              string           `json:"detail,omitempty"`
		Lines               []line           `json:"orderLines"`
	}{t.ContractID, r.ContractVersion, r.PolicyVersions, r.BusinessDate.String(), t.SettlementStartDate.String(),
		t.SettlementDate.String(), amountsJSON(&t.Amounts), encodeDetail(t.Discounts, t.AdditionalFees), make([]line, 0, len(t.Lines))}
	for i := range t.Lines {
		l := &t.Lines[i]
		v.Lines = append(v.Lines, line{l.Product.ID, l.Product.Name, l.Quantity, amountsJSON(&l.Amounts), encodeDetail(l.Discounts, l.AdditionalFees)})
	}
	b, _ := json.Marshal(v)
	c, _, _ := canonical(b)
	return c
}

func encodePolicyVersions(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m) // map keys are sorted
	return string(b)
}

// SaveSettlement stores a computed transfer idempotently by (partner,
// payment, kind, cancellation): the same computation again is a Duplicate,
// a different one a Conflict (*ConflictError naming the fields; nothing is
// overwritten). With IntentRequest set it also creates the transfer intent
// in the same transaction; an existing intent with a different request is
// a Conflict of record "transfer intent".
func (s *Store) SaveSettlement(ctx context.Context, rec SettlementRecord) (Outcome, error) {
	outs, err := s.SaveSettlements(ctx, []SettlementRecord{rec})
	if err != nil {
		return Outcome{}, err
	}
	if outs[0].Kind == Conflict {
		return outs[0], outs[0].Conflict
	}
	return outs[0], nil
}

// SaveSettlements is SaveSettlement for a batch, in one transaction, with
// batched inserts of the blocks and line blocks.
func (s *Store) SaveSettlements(ctx context.Context, recs []SettlementRecord) ([]Outcome, error) {
	canons := make([][]byte, len(recs))
	intents := make([]prepared, len(recs))
	for i := range recs {
		t := &recs[i].Transfer
		if t.PartnerID == "" || t.PaymentID == "" || t.Kind == "" {
			return nil, &InvalidError{Record: "settlement " + recs[i].Key(), Field: "partnerId/paymentId/kind", Err: errors.New("missing")}
		}
		if (t.Kind == settlement.KindOrderCancel) != (t.CancellationID != "") {
			return nil, &InvalidError{Record: "settlement " + recs[i].Key(), Field: "cancellationId", Err: errors.New("required for ORDER_CANCEL only")}
		}
		canons[i] = settlementCanon(&recs[i])
		if recs[i].IntentRequest != nil {
			p, err := prepareRequest("transfer intent", recs[i].Key(), recs[i].IntentRequest)
			if err != nil {
				return nil, err
			}
			intents[i] = p
		}
	}
	var outs []Outcome
	err := retryOnDuplicate(func() error {
		outs = make([]Outcome, len(recs))
		return s.tx(ctx, func(tx *gorm.DB) error { return s.saveSettlementsTx(tx, recs, canons, intents, outs) })
	})
	if err != nil {
		return nil, fmt.Errorf("store: save settlements: %w", err)
	}
	return outs, nil
}

type tkey struct {
	p, q string
	k    settlement.Kind
	c    string
}

func (s *Store) saveSettlementsTx(tx *gorm.DB, recs []SettlementRecord, canons [][]byte, intents []prepared, outs []Outcome) error {
	now := s.nowUTC()
	type ex struct {
		ID             int64
		PartnerID      string
		PaymentID      string
		Kind           string
		CancellationID string
		Hash           string
	}
	found := map[tkey]ex{}
	const chunk = 200
	for i := 0; i < len(recs); i += chunk {
		var keys [][]any
		for _, r := range recs[i:min(i+chunk, len(recs))] {
			t := &r.Transfer
			keys = append(keys, []any{t.PartnerID, t.PaymentID, string(t.Kind), t.CancellationID})
		}
		var rows []ex
		if err := tx.Model(&settlementRow{}).Select("id, partner_id, payment_id, kind, cancellation_id, hash").
			Where("(partner_id, payment_id, kind, cancellation_id) IN ?", keys).Find(&rows).Error; err != nil {
			return err
		}
		for _, e := range rows {
			found[tkey{e.PartnerID, e.PaymentID, settlement.Kind(e.Kind), e.CancellationID}] = e
		}
	}
	// Link to the order / cancellation rows.
	refs, err := s.sourceRefs(tx, recs)
	if err != nil {
		return err
	}
	var newRows []settlementRow
	var newIdx []int
	first := map[tkey]int{}
	for i := range recs {
		t := &recs[i].Transfer
		k := tkey{t.PartnerID, t.PaymentID, t.Kind, t.CancellationID}
		hash := sha(string(canons[i]))
		if e, ok := found[k]; ok {
			if e.Hash == hash {
				outs[i] = Outcome{Kind: Duplicate, ID: e.ID}
				continue
			}
			stored, err := s.loadSettlements(tx, tx.Where("id = ?", e.ID))
			if err != nil {
				return err
			}
			outs[i] = Outcome{Kind: Conflict, ID: e.ID, Conflict: conflictOf("settlement", recs[i].Key(), settlementCanon(&stored[0]), canons[i])}
			continue
		}
		if j, ok := first[k]; ok {
			if string(canons[j]) == string(canons[i]) {
				outs[i] = Outcome{Kind: Duplicate, ID: -1 - int64(j)}
			} else {
				outs[i] = Outcome{Kind: Conflict, ID: -1 - int64(j), Conflict: conflictOf("settlement", recs[i].Key(), canons[j], canons[i])}
			}
			continue
		}
		first[k] = i
		r := &recs[i]
		ref := refs[k]
		newIdx = append(newIdx, i)
		newRows = append(newRows, settlementRow{
			PartnerID: t.PartnerID, PaymentID: t.PaymentID, Kind: string(t.Kind), CancellationID: t.CancellationID,
			OrderRef: ref.order, CancellationRef: ref.cancel, ContractID: t.ContractID, ContractVersion: int64(r.ContractVersion),
			PolicyVersions: encodePolicyVersions(r.PolicyVersions), BusinessDate: day(r.BusinessDate),
			SettlementStartDate: day(t.SettlementStartDate), SettlementDate: day(t.SettlementDate), Amounts: t.Amounts,
			DetailJSON: encodeDetail(t.Discounts, t.AdditionalFees), Hash: hash, ComputedAt: at(now),
		})
	}
	if len(newRows) > 0 {
		if err := tx.CreateInBatches(&newRows, 300).Error; err != nil {
			return err
		}
		n := 0
		for _, r := range recs {
			n += len(r.Transfer.Lines)
		}
		lines := make([]settlementLineRow, 0, n)
		for n, i := range newIdx {
			id := newRows[n].ID
			outs[i] = Outcome{Kind: Created, ID: id}
			t := &recs[i].Transfer
			for j := range t.Lines {
				l := &t.Lines[j]
				lines = append(lines, settlementLineRow{
					SettlementRef: id, LineNo: int64(j + 1), ProductID: l.Product.ID, ProductName: l.Product.Name, Quantity: l.Quantity,
					SettlementStartDate: day(t.SettlementStartDate), SettlementDate: day(t.SettlementDate), Amounts: l.Amounts,
					DetailJSON: encodeDetail(l.Discounts, l.AdditionalFees),
				})
			}
		}
		if err := s.insertSettlementLines(tx, lines); err != nil {
			return err
		}
	}
	for i := range outs {
		if outs[i].ID < 0 {
			outs[i].ID = outs[-1-outs[i].ID].ID
		}
	}
	// Intents, after the settlement rows so they can point at them.
	var specs []IntentSpec
	var specIdx []int
	for i := range recs {
		if recs[i].IntentRequest == nil || outs[i].Kind == Conflict {
			continue
		}
		t := &recs[i].Transfer
		specs = append(specs, IntentSpec{PartnerID: t.PartnerID, PaymentID: t.PaymentID, Kind: t.Kind, CancellationID: t.CancellationID,
			BusinessDate: recs[i].BusinessDate, Request: recs[i].IntentRequest, SettlementID: outs[i].ID})
		specIdx = append(specIdx, i)
	}
	if len(specs) > 0 {
		preps := make([]prepared, len(specs))
		for n, i := range specIdx {
			preps[n] = intents[i]
		}
		iouts := make([]Outcome, len(specs))
		if err := s.createIntentsTx(tx, specs, preps, iouts); err != nil {
			return err
		}
		for n, i := range specIdx {
			if iouts[n].Kind == Conflict {
				outs[i] = Outcome{Kind: Conflict, ID: outs[i].ID, Conflict: iouts[n].Conflict}
			}
		}
	}
	return nil
}

// insertSettlementLines writes line blocks with GORM's batched insert. The
// batch size keeps a statement under SQLite's 32766 bound parameters.
func (s *Store) insertSettlementLines(tx *gorm.DB, lines []settlementLineRow) error {
	if len(lines) == 0 {
		return nil
	}
	return tx.CreateInBatches(&lines, 1000).Error
}

type refs struct{ order, cancel *int64 }

func (s *Store) sourceRefs(tx *gorm.DB, recs []SettlementRecord) (map[tkey]refs, error) {
	out := map[tkey]refs{}
	var okeys, ckeys [][]any
	for _, r := range recs {
		t := &r.Transfer
		okeys = append(okeys, []any{t.PartnerID, t.PaymentID})
		if t.CancellationID != "" {
			ckeys = append(ckeys, []any{t.PartnerID, t.CancellationID})
		}
	}
	type pk struct{ p, q string }
	orders, cancels := map[pk]int64{}, map[pk]int64{}
	const chunk = 300
	for i := 0; i < len(okeys); i += chunk {
		var rows []existing
		if err := tx.Model(&orderRow{}).Select("id, partner_id, payment_id").Where("(partner_id, payment_id) IN ?", okeys[i:min(i+chunk, len(okeys))]).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, e := range rows {
			orders[pk{e.PartnerID, e.PaymentID}] = e.ID
		}
	}
	for i := 0; i < len(ckeys); i += chunk {
		var rows []struct {
			ID             int64
			PartnerID      string
			CancellationID string
		}
		if err := tx.Model(&cancellationRow{}).Select("id, partner_id, cancellation_id").Where("(partner_id, cancellation_id) IN ?", ckeys[i:min(i+chunk, len(ckeys))]).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, e := range rows {
			cancels[pk{e.PartnerID, e.CancellationID}] = e.ID
		}
	}
	for _, r := range recs {
		t := &r.Transfer
		var rf refs
		if id, ok := orders[pk{t.PartnerID, t.PaymentID}]; ok {
			rf.order = &id
		}
		if id, ok := cancels[pk{t.PartnerID, t.CancellationID}]; ok && t.CancellationID != "" {
			rf.cancel = &id
		}
		out[tkey{t.PartnerID, t.PaymentID, t.Kind, t.CancellationID}] = rf
	}
	return out, nil
}

// Settlement returns the stored settlement with key (partner, payment,
// kind, cancellation id; "" for orders), or a *NotFoundError.
func (s *Store) Settlement(ctx context.Context, partnerID, paymentID string, kind settlement.Kind, cancellationID string) (SettlementRecord, error) {
	recs, err := s.loadSettlements(s.w(ctx), s.w(ctx).Where("partner_id = ? AND payment_id = ? AND kind = ? AND cancellation_id = ?", partnerID, paymentID, string(kind), cancellationID))
	if err != nil {
		return SettlementRecord{}, fmt.Errorf("store: settlement %s: %w", transferKey(partnerID, paymentID, kind, cancellationID), err)
	}
	if len(recs) == 0 {
		return SettlementRecord{}, &NotFoundError{What: "settlement " + transferKey(partnerID, paymentID, kind, cancellationID)}
	}
	return recs[0], nil
}

// SettlementsOfPayment returns the settlements (the order's and its
// cancellations') of one payment of one partner, in id order.
func (s *Store) SettlementsOfPayment(ctx context.Context, partnerID, paymentID string) ([]SettlementRecord, error) {
	recs, err := s.loadSettlements(s.w(ctx), s.w(ctx).Where("partner_id = ? AND payment_id = ?", partnerID, paymentID).Order("id"))
	if err != nil {
		return nil, fmt.Errorf("store: settlements of payment %q: %w", paymentID, err)
	}
	return recs, nil
}

func (s *Store) loadSettlements(db *gorm.DB, q *gorm.DB) ([]SettlementRecord, error) {
	var rows []settlementRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var lines []settlementLineRow
	if err := db.Session(&gorm.Session{NewDB: true}).Where("settlement_ref IN ?", ids).Order("settlement_ref, line_no").Find(&lines).Error; err != nil {
		return nil, err
	}
	recs := make([]SettlementRecord, len(rows))
	byID := map[int64]*SettlementRecord{}
	for i, r := range rows {
		ds, fs, err := decodeDetail(r.DetailJSON)
		if err != nil {
			return nil, fmt.Errorf("settlement %d: detail: %w", r.ID, err)
		}
		var pv map[string]int
		if r.PolicyVersions != "" {
			if err := json.Unmarshal([]byte(r.PolicyVersions), &pv); err != nil {
				return nil, fmt.Errorf("settlement %d: policy versions: %w", r.ID, err)
			}
		}
		recs[i] = SettlementRecord{
			Transfer: settlement.Transfer{
				Kind: settlement.Kind(r.Kind), PartnerID: r.PartnerID, PaymentID: r.PaymentID, ContractID: r.ContractID,
				CancellationID: r.CancellationID, SettlementStartDate: r.SettlementStartDate.date(), SettlementDate: r.SettlementDate.date(),
				Amounts: r.Amounts, Discounts: ds, AdditionalFees: fs,
			},
			BusinessDate: r.BusinessDate.date(), ContractVersion: int(r.ContractVersion), PolicyVersions: pv,
			ID: r.ID, ComputedAt: r.ComputedAt.Time,
		}
		byID[r.ID] = &recs[i]
	}
	for _, l := range lines {
		ds, fs, err := decodeDetail(l.DetailJSON)
		if err != nil {
			return nil, fmt.Errorf("settlement %d line %d: detail: %w", l.SettlementRef, l.LineNo, err)
		}
		t := &byID[l.SettlementRef].Transfer
		t.Lines = append(t.Lines, settlement.LineResult{
			Product: settlement.Product{ID: l.ProductID, Name: l.ProductName}, Quantity: l.Quantity,
			Discounts: ds, AdditionalFees: fs, Amounts: l.Amounts,
		})
	}
	return recs, nil
}
