package intake

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// TermsFunc returns the terms (contract, policies, rounding, calendar) an
// order of partnerID under contractID (possibly "", the partner's default)
// is settled with. When it is set, records are validated with the real
// terms, so an unknown policy is rejected at the door; when it is nil, or
// it answers store.ErrNotFound, they are validated with neutral terms (no
// fees, every named policy known, a 0 % share), which checks every amount
// rule that does not depend on the merchant's contract.
type TermsFunc func(ctx context.Context, partnerID, contractID string) (settlement.Terms, error)

// Intake validates records with the settlement rules and saves them.
type Intake struct {
	st    *store.Store
	rules Rules
	terms TermsFunc
}

// Result is what saving one accepted record did: Created or Duplicate, or
// Conflict with what differs.
type Result struct {
	Kind     store.OutcomeKind
	Conflict *store.ConflictError
}

// Check validates a decoded record with the settlement engine. A
// cancellation is checked against its order, when the order is stored, by
// replaying the order's earlier cancellations in a settlement.Book.
func (in *Intake) Check(ctx context.Context, rec Record) (*settlement.Error, error) {
	if o := rec.Order; o != nil {
		return in.checkOrder(ctx, o.Order)
	}
	c := rec.Cancel
	stored, err := in.st.Order(ctx, settlement.PartnerID(c.Body.PartnerID), settlement.PaymentID(c.Body.PaymentID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // the order may come later; the pipeline checks it then
	}
	if err != nil {
		return nil, err
	}
	prior, err := in.st.CancellationsOfOrder(ctx, settlement.PartnerID(c.Body.PartnerID), settlement.PaymentID(c.Body.PaymentID))
	if err != nil {
		return nil, err
	}
	seen := make([]cancelSeen, len(prior))
	for i := range prior {
		seen[i] = cancelSeen{c: prior[i].Cancellation, at: prior[i].CancelledAt}
	}
	return in.checkCancel(ctx, c, &stored.Order, seen)
}

// checkOrder settles o with its terms: a refusal is the record's problem.
func (in *Intake) checkOrder(ctx context.Context, o settlement.Order) (*settlement.Error, error) {
	t, err := in.termsFor(ctx, o)
	if err != nil {
		return nil, err
	}
	if _, err := settlement.SettleOrder(o, t); err != nil {
		return asFieldError(err, ""), nil
	}
	return nil, nil
}

// checkCancel checks c against its order (nil: not stored yet, the
// pipeline checks it then) after the order's cancellations stored before
// it (prior, in the order they are stored: happened, then arrived).
func (in *Intake) checkCancel(ctx context.Context, c *CancelRecord, order *settlement.Order, prior []cancelSeen) (*settlement.Error, error) {
	if order == nil {
		return nil, nil
	}
	t, err := in.termsFor(ctx, *order)
	if err != nil {
		return nil, err
	}
	book, err := settlement.NewBook(*order, t)
	if err != nil {
		return nil, nil // the stored order no longer settles under these terms: the pipeline reports it
	}
	for _, p := range prior {
		if p.c.CancellationID == c.Cancellation.CancellationID {
			return nil, nil // a re-post: the store decides duplicate or conflict
		}
		if p.at.After(c.CancelledAt) {
			continue // replay in the order the cancellations happened, so a re-import answers the same
		}
		_, _ = book.Cancel(p.c) // accepted earlier; a failure now is the pipeline's to report
	}
	if _, err := book.Cancel(c.Cancellation); err != nil {
		return asFieldError(err, ""), nil
	}
	return nil, nil
}

func (in *Intake) termsFor(ctx context.Context, o settlement.Order) (settlement.Terms, error) {
	if in.terms != nil {
		t, err := in.terms(ctx, string(o.PartnerID), o.ContractID)
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return settlement.Terms{}, fmt.Errorf("terms of partner %q: %w", o.PartnerID, err)
		}
	}
	return neutralTerms(o), nil
}

// neutralTerms settles o with no fees and a 0 % share for every policy it
// names: the amount rules are checked, the merchant's numbers are not.
func neutralTerms(o settlement.Order) settlement.Terms {
	t := settlement.Terms{
		Contract: settlement.Contract{
			ID: o.ContractID, PlatformFee: settlement.Fee{Kind: settlement.FeeFixedRate},
			PlatformFeeVatPayer: settlement.PayerMerchant,
			Cycle:               settlement.Cycle{LagDays: 1, DatePolicy: settlement.CalendarDay, Method: settlement.CycleDaily},
		},
		DiscountSharePolicies: map[string]settlement.DiscountSharePolicy{},
		AdditionalFeePolicies: map[string]settlement.AdditionalFeePolicy{},
		Rounding:              settlement.DefaultRounding,
		Calendar:              settlement.KoreanCalendar(),
	}
	addD := func(ds []settlement.Discount) {
		for _, d := range ds {
			t.DiscountSharePolicies[d.SharePolicyID] = settlement.DiscountSharePolicy{ID: d.SharePolicyID}
		}
	}
	addF := func(ids []string) {
		for _, id := range ids {
			t.AdditionalFeePolicies[id] = settlement.AdditionalFeePolicy{ID: id,
				Fee: settlement.Fee{Kind: settlement.FeeFixedRate}, VatPayer: settlement.PayerMerchant}
		}
	}
	addD(o.Discounts)
	addF(o.AdditionalFees)
	for _, l := range o.Lines {
		addD(l.Discounts)
		addF(l.AdditionalFees)
	}
	return t
}

// save stores one validated record idempotently. A conflict is a result,
// not an error (the store has kept the record in rejected records with the
// difference); errors are the store's failures.
func (in *Intake) Save(ctx context.Context, rec Record, src store.Source, file string, line int) (Result, error) {
	var (
		out store.Outcome
		err error
	)
	var webhookID string
	if o := rec.Order; o != nil {
		out, err = in.st.SaveOrder(ctx, in.orderRecord(o, src, file, line))
	} else {
		if webhookID, err = in.pendingWebhook(ctx, rec.Cancel); err != nil {
			return Result{}, err
		}
		cr := in.cancelRecord(rec.Cancel, src, file, line)
		cr.WebhookID = webhookID
		out, err = in.st.SaveCancellation(ctx, cr)
	}
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return Result{Kind: store.Conflict, Conflict: ce}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("save %s: %w", rec.Key(), err)
	}
	if webhookID != "" && out.Kind == store.Created {
		// The webhook that reported this cancellation was pending: it is linked now.
		if err := in.st.MarkWebhookProcessed(ctx, webhookID, ""); err != nil {
			return Result{}, fmt.Errorf("save %s: %w", rec.Key(), err)
		}
	}
	return Result{Kind: out.Kind, Conflict: out.Conflict}, nil
}

func (in *Intake) orderRecord(o *OrderRecord, src store.Source, file string, line int) store.OrderRecord {
	return store.OrderRecord{
		Order: o.Order, PaidAt: o.PaidAt, BusinessDate: settlement.DateOf(o.PaidAt, in.rules.Location),
		Request: o.JSON, Canonical: o.canonical, Source: src, File: file, Line: line, OrderName: orderName(&o.Body),
	}
}

// orderName is the body's externalPaymentDetail.orderName, "" for none.
func orderName(b *transfer.CreateOrderTransferBody) string {
	if b.ExternalPaymentDetail == nil {
		return ""
	}
	return b.ExternalPaymentDetail.OrderName
}

func (in *Intake) cancelRecord(c *CancelRecord, src store.Source, file string, line int) store.CancellationRecord {
	return store.CancellationRecord{
		Cancellation: c.Cancellation, PartnerID: settlement.PartnerID(c.Body.PartnerID), PaymentID: settlement.PaymentID(c.Body.PaymentID),
		TransferID: settlement.TransferID(c.Body.TransferID), CancelledAt: c.CancelledAt, BusinessDate: settlement.DateOf(c.CancelledAt, in.rules.Location),
		Request: c.JSON, Canonical: c.canonical, Source: src, File: file, Line: line,
	}
}

// maxRejectedPayload caps the text a rejected record is kept with: enough
// to see what was sent, not a way to fill the database with refused bodies.
const maxRejectedPayload = 64 << 10

// Reject keeps a rejected record with its reason (DESIGN.md §6), and at
// most maxRejectedPayload bytes of what was received.
func (in *Intake) Reject(ctx context.Context, p *Problem, payload []byte, src store.Source) error {
	if _, err := in.st.SaveRejected(ctx, rejectedOf(p, payload, src)); err != nil {
		return fmt.Errorf("keep rejected record %s: %w", p.Key(), err)
	}
	return nil
}

// rejectedOf is the rejected record of p, as the store keeps it.
func rejectedOf(p *Problem, payload []byte, src store.Source) store.Rejected {
	typ := ""
	if p.Err != nil {
		typ = string(p.Err.Type)
	}
	if len(payload) > maxRejectedPayload {
		payload = append(payload[:maxRejectedPayload:maxRejectedPayload], "…"...)
	}
	return store.Rejected{
		Source: src, File: storable(p.Source), Line: p.Line, PartnerID: settlement.PartnerID(storableID(p.PartnerID)),
		RecordKey: storableID(p.RecordID), Payload: []byte(storable(string(payload))), Reason: storable(p.Reason()),
		Field: storable(p.Field()), ErrorType: typ,
	}
}

// storable is text as every database keeps it alike: valid UTF-8 without
// NUL (PostgreSQL refuses both in text; SQLite would keep them). A refused
// record is kept with what it said, made storable, not lost.
func storable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// storableID is an id of a refused record as it can be kept: as sent when
// it is a good id, else quoted (a NUL becomes \x00) and clipped.
func storableID(id string) string {
	if id == "" || settlement.CheckID("", id) == nil {
		return id
	}
	q := strconv.QuoteToASCII(id)
	if len(q) > settlement.MaxIDBytes {
		q = q[:settlement.MaxIDBytes]
	}
	return q
}

// ConflictRejection is the rejection a conflict answers with: PortOne's
// PLATFORM_TRANSFER_ALREADY_EXISTS (a transfer for that key exists), on the
// first differing field.
func ConflictRejection(ce *store.ConflictError) *settlement.Error {
	return &settlement.Error{Type: settlement.ErrTransferAlreadyExists, Field: ce.Field(),
		Message: "conflicts with the stored record: " + ce.Reason()}
}

// ConflictFields lists the differing fields of a conflict.
func ConflictFields(ce *store.ConflictError) []string {
	out := make([]string, 0, len(ce.Diffs))
	for _, d := range ce.Diffs {
		out = append(out, d.Path)
	}
	return out
}

// New returns an Intake over st that checks records with rules and
// validates them with terms (nil: neutral terms; see TermsFunc).
func New(st *store.Store, rules Rules, terms TermsFunc) *Intake {
	return &Intake{st: st, rules: rules, terms: terms}
}

// Rules are the rules records are checked against.
func (in *Intake) Rules() Rules { return in.rules }

// ProblemOf is the rejection of data (a record as received) for err, named
// by rec when it was decoded, else by what can be read of data.
func ProblemOf(data []byte, rec Record, err error) *Problem {
	p := &Problem{Err: asFieldError(err, "")}
	if rec.Order != nil || rec.Cancel != nil {
		setKey(p, rec.Type(), rec.PartnerID(), rec.PaymentID(), rec.CancellationID())
	} else {
		guessKey(data, p)
	}
	return p
}
