package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// The read endpoints answer from the store's read models. Amount blocks are
// in PortOne's response shape (PlatformOrderSettlementAmount), so a client
// can compare them with PortOne's field by field.

// OrderResponse is the answer of GET /v1/orders/{paymentId}.
type OrderResponse struct {
	PartnerID    string           `json:"partnerId"`
	PaymentID    string           `json:"paymentId"`
	Status       string           `json:"status"`
	PaidAt       string           `json:"paidAt"`
	BusinessDate string           `json:"businessDate"`
	Source       string           `json:"source"`
	ReceivedAt   string           `json:"receivedAt,omitempty"`
	Record       json.RawMessage  `json:"record"`
	Lines        []LineResponse   `json:"lines"`
	Cancels      []CancelView     `json:"cancellations"`
	Settlements  []SettlementView `json:"settlements"`
	Transfers    []TransferView   `json:"transfers"`
}

// LineResponse is one order line as registered.
type LineResponse struct {
	ProductID   string `json:"productId"`
	ProductName string `json:"productName"`
	UnitAmount  int64  `json:"unitAmount"`
	UnitTaxFree int64  `json:"unitTaxFree"`
	Quantity    int64  `json:"quantity"`
	Amount      int64  `json:"amount"` // unitAmount × quantity
}

// CancelView is one cancellation as registered.
type CancelView struct {
	CancellationID string          `json:"cancellationId"`
	CancelledAt    string          `json:"cancelledAt"`
	BusinessDate   string          `json:"businessDate"`
	Source         string          `json:"source"`
	WebhookID      string          `json:"webhookId,omitempty"`
	Record         json.RawMessage `json:"record"`
}

// SettlementView is one computed transfer (the order's or a cancellation's):
// its blocks, per order and per line, in PortOne's response shape.
type SettlementView struct {
	transfer.Transfer
	BusinessDate string `json:"businessDate"`
}

// TransferView is one transfer intent and PortOne's last answer for it.
type TransferView struct {
	IntentID       string                     `json:"intentId"`
	Type           string                     `json:"type"`
	CancellationID string                     `json:"cancellationId,omitempty"`
	IntentStatus   string                     `json:"intentStatus"`
	Attempts       int                        `json:"attempts"`
	LastError      string                     `json:"lastError,omitempty"`
	TransferID     string                     `json:"transferId,omitempty"`
	Status         string                     `json:"status,omitempty"` // PortOne's transfer status
	SettlementDate string                     `json:"settlementDate,omitempty"`
	Amount         *transfer.SettlementAmount `json:"amount,omitempty"` // PortOne's block
	History        []StatusChangeView         `json:"history,omitempty"`
}

// StatusChangeView is one entry of a transfer's status history.
type StatusChangeView struct {
	From       string `json:"from,omitempty"`
	To         string `json:"to"`
	Source     string `json:"source,omitempty"`
	ObservedAt string `json:"observedAt"`
}

// The status of an order in GET /v1/orders: where it stands in the
// pipeline, then PortOne's status of its order transfer once posted.
const (
	StatusReceived = "RECEIVED" // stored, not yet settled
	StatusSettled  = "SETTLED"  // computed; transfers waiting to be posted
	StatusPosted   = "POSTED"   // every transfer posted (or adopted); PortOne's status not yet seen
	StatusFailed   = "FAILED"   // a transfer gave up and needs a person
	StatusConflict = "CONFLICT" // PortOne holds a different transfer under our id or key
)

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func orderResponse(v *store.OrderView) OrderResponse {
	o := &v.Order
	r := OrderResponse{
		PartnerID: string(o.Order.PartnerID), PaymentID: string(o.Order.PaymentID), PaidAt: rfc3339(o.PaidAt),
		BusinessDate: o.BusinessDate.String(), Source: string(o.Source), ReceivedAt: rfc3339(o.ReceivedAt),
		Record: json.RawMessage(o.Request), Lines: []LineResponse{}, Cancels: []CancelView{},
		Settlements: []SettlementView{}, Transfers: []TransferView{},
	}
	if !json.Valid(r.Record) {
		r.Record = json.RawMessage("null")
	}
	for _, l := range o.Order.Lines {
		r.Lines = append(r.Lines, LineResponse{ProductID: l.Product.ID, ProductName: l.Product.Name,
			UnitAmount: int64(l.Product.Amount), UnitTaxFree: int64(l.Product.TaxFree), Quantity: l.Quantity,
			Amount: int64(l.Product.Amount) * l.Quantity})
	}
	for i := range v.Cancellations {
		c := &v.Cancellations[i]
		rec := json.RawMessage(c.Request)
		if !json.Valid(rec) {
			rec = json.RawMessage("null")
		}
		r.Cancels = append(r.Cancels, CancelView{CancellationID: string(c.Cancellation.CancellationID), CancelledAt: rfc3339(c.CancelledAt),
			BusinessDate: c.BusinessDate.String(), Source: string(c.Source), WebhookID: c.WebhookID, Record: rec})
	}
	for i := range v.Settlements {
		s := &v.Settlements[i]
		w := transfer.TransferToWire(s.Transfer, transfer.Policies{})
		if s.Transfer.Kind == settlement.KindOrderCancel {
			w.Cancellation = &transfer.Cancellation{ID: string(s.Transfer.CancellationID)}
		}
		r.Settlements = append(r.Settlements, SettlementView{Transfer: w, BusinessDate: s.BusinessDate.String()})
	}
	byID := map[string]*store.PortOneTransfer{}
	for i := range v.Transfers {
		byID[string(v.Transfers[i].TransferID)] = &v.Transfers[i]
	}
	status := StatusReceived
	if len(v.Settlements) > 0 {
		status = StatusPosted
		if len(v.Intents) < len(v.Settlements) {
			status = StatusSettled
		}
	}
	var orderTransferStatus string
	for _, in := range v.Intents {
		tv := TransferView{IntentID: string(in.IntentID), Type: string(in.Kind), CancellationID: string(in.CancellationID),
			IntentStatus: string(in.Status), Attempts: in.Attempts, LastError: in.LastError, TransferID: string(in.PortOneTransferID)}
		if t, ok := byID[string(in.PortOneTransferID)]; ok {
			tv.Status = string(t.Status)
			tv.SettlementDate = t.SettlementDate.String()
			a := transfer.AmountsToWire(t.Amounts)
			tv.Amount = &a
			if in.Kind == settlement.KindOrder {
				orderTransferStatus = string(t.Status)
			}
		}
		for _, h := range v.History {
			if h.TransferID == in.PortOneTransferID && h.TransferID != "" {
				tv.History = append(tv.History, StatusChangeView{From: string(h.From), To: string(h.To), Source: h.Source, ObservedAt: rfc3339(h.ObservedAt)})
			}
		}
		switch in.Status {
		case store.IntentFailed:
			status = StatusFailed
		case store.IntentConflict:
			if status != StatusFailed {
				status = StatusConflict
			}
		case store.IntentPending:
			if status == StatusPosted {
				status = StatusSettled
			}
		}
		r.Transfers = append(r.Transfers, tv)
	}
	if status == StatusPosted && orderTransferStatus != "" {
		status = orderTransferStatus
	}
	r.Status = status
	return r
}

// getOrder answers GET /v1/orders/{paymentId}[?partnerId=].
func (s *server) getOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	payment := r.PathValue("paymentId")
	partner := r.URL.Query().Get("partnerId")
	setReqKey(ctx, intake.OrderKey(partner, payment))
	if err := settlement.CheckID("paymentId", payment); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if partner != "" {
		if err := settlement.CheckID("partnerId", partner); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
	}
	var view store.OrderView
	if partner != "" {
		v, err := s.st.OrderView(ctx, settlement.PartnerID(partner), settlement.PaymentID(payment))
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, &settlement.Error{Type: errNotFound, Field: "paymentId",
				Message: fmt.Sprintf("no order of partner %q with payment %q", clip(partner), clip(payment))})
			return
		}
		if err != nil {
			s.internal(w, r, err)
			return
		}
		view = v
	} else {
		vs, err := s.st.OrderViewsByPayment(ctx, settlement.PaymentID(payment))
		if err != nil {
			s.internal(w, r, err)
			return
		}
		switch len(vs) {
		case 0:
			writeError(w, http.StatusNotFound, &settlement.Error{Type: errNotFound, Field: "paymentId",
				Message: fmt.Sprintf("no order with payment %q", clip(payment))})
			return
		case 1:
			view = vs[0]
		default:
			partners := make([]string, 0, len(vs))
			for i := range vs {
				if i == 10 {
					partners = append(partners, "…")
					break
				}
				partners = append(partners, string(vs[i].Order.Order.PartnerID))
			}
			writeError(w, http.StatusBadRequest, invalid("partnerId",
				"payment %q has orders of %d partners (%s); name one with ?partnerId=", clip(payment), len(vs), strings.Join(partners, ", ")))
			return
		}
	}
	writeValue(w, http.StatusOK, orderResponse(&view))
}

// SettlementRowView is one transfer of GET /v1/settlements.
type SettlementRowView struct {
	BusinessDate        string                     `json:"businessDate"`
	PartnerID           string                     `json:"partnerId"`
	PaymentID           string                     `json:"paymentId"`
	Type                string                     `json:"type"`
	CancellationID      string                     `json:"cancellationId,omitempty"`
	ContractID          string                     `json:"contractId,omitempty"`
	SettlementStartDate string                     `json:"settlementStartDate"`
	SettlementDate      string                     `json:"settlementDate"`
	Lines               int64                      `json:"lines"`
	Amount              transfer.SettlementAmount  `json:"amount"`
	IntentID            string                     `json:"intentId,omitempty"`
	IntentStatus        string                     `json:"intentStatus,omitempty"`
	TransferID          string                     `json:"transferId,omitempty"`
	TransferStatus      string                     `json:"transferStatus,omitempty"`
	PortOneAmount       *transfer.SettlementAmount `json:"portOneAmount,omitempty"`
}

// PartnerTotalView is one partner's total on the settlement date;
// cancellations count negatively.
type PartnerTotalView struct {
	PartnerID         string `json:"partnerId"`
	SettlementDate    string `json:"settlementDate"`
	Orders            int64  `json:"orders"`
	Cancellations     int64  `json:"cancellations"`
	Order             int64  `json:"order"`
	PlatformFee       int64  `json:"platformFee"`
	PlatformFeeVat    int64  `json:"platformFeeVat"`
	DiscountShare     int64  `json:"discountShare"`
	AdditionalFee     int64  `json:"additionalFee"`
	AdditionalFeeVat  int64  `json:"additionalFeeVat"`
	PaymentVatBurden  int64  `json:"paymentVatBurden"`
	Settlement        int64  `json:"settlement"`
	PortOneSettlement int64  `json:"portOneSettlement"`
	Difference        int64  `json:"difference"`
	Unanswered        int64  `json:"unanswered"`
}

// getSettlements answers GET /v1/settlements?date=YYYY-MM-DD[&partnerId=]:
// the transfers whose settlement date is date, with per-partner totals.
// The transfer list is streamed, so a large day is never held in memory.
func (s *server) getSettlements(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	dateText, partner := q.Get("date"), q.Get("partnerId")
	setReqKey(ctx, "settlements "+dateText+" "+partner)
	if dateText == "" {
		writeError(w, http.StatusBadRequest, invalid("date", "required: the settlement date, yyyy-MM-dd"))
		return
	}
	d, err := settlement.ParseDate(dateText)
	if err != nil {
		writeError(w, http.StatusBadRequest, invalid("date", "want yyyy-MM-dd, got %q", clip(dateText)))
		return
	}
	sq := store.Query{From: d, To: d, PartnerID: settlement.PartnerID(partner), BySettlementDate: true}
	totals := []PartnerTotalView{}
	err = s.st.PartnerDayTotals(ctx, sq, func(t *store.PartnerDayTotal) error {
		totals = append(totals, PartnerTotalView{PartnerID: string(t.PartnerID), SettlementDate: t.SettlementDate.String(),
			Orders: t.Orders, Cancellations: t.Cancellations, Order: int64(t.Order), PlatformFee: int64(t.PlatformFee),
			PlatformFeeVat: int64(t.PlatformFeeVat), DiscountShare: int64(t.DiscountShare), AdditionalFee: int64(t.AdditionalFee),
			AdditionalFeeVat: int64(t.AdditionalFeeVat), PaymentVatBurden: int64(t.PaymentVatBurden), Settlement: int64(t.Settlement),
			PortOneSettlement: int64(t.PortOneSettlement), Difference: int64(t.Difference), Unanswered: t.Unanswered})
		return nil
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	head, err := json.Marshal(map[string]any{"date": d.String(), "partnerId": partner, "totals": totals})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	// {"date":…,"partnerId":…,"totals":[…],"settlements":[ rows… ]}
	_, _ = w.Write(head[:len(head)-1])
	_, _ = w.Write([]byte(`,"settlements":[`))
	n := 0
	err = s.st.SettlementRows(ctx, sq, func(row *store.SettlementRow) error {
		v := SettlementRowView{BusinessDate: row.BusinessDate.String(), PartnerID: string(row.PartnerID), PaymentID: string(row.PaymentID),
			Type: string(row.Kind), CancellationID: string(row.CancellationID), ContractID: row.ContractID,
			SettlementStartDate: row.SettlementStartDate.String(), SettlementDate: row.SettlementDate.String(),
			Lines: row.Lines, Amount: transfer.AmountsToWire(row.Amounts), IntentID: string(row.IntentID),
			IntentStatus: string(row.IntentStatus), TransferID: string(row.TransferID), TransferStatus: string(row.TransferStatus)}
		if row.HasPortOne {
			a := transfer.AmountsToWire(row.PortOne)
			v.PortOneAmount = &a
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if n > 0 {
			if _, err := w.Write([]byte{','}); err != nil {
				return err
			}
		}
		n++
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		// The status is sent: cut the connection so the client sees a broken
		// answer, not a short list.
		s.log.LogAttrs(ctx, slog.LevelError, "http stream failed", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write([]byte("]}\n"))
}

// RunView is one job run of GET /v1/runs, in the shape GET /v1/status
// shows runs in.
type RunView = jobs.RunView

// getRuns answers GET /v1/runs[?job=&from=&to=&status=&limit=], newest
// business date first and each date's jobs in the order the pipeline runs
// them, at most limit (default 100, at most 1000).
func (s *server) getRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rq := store.RunQuery{Job: q.Get("job"), Status: store.RunStatus(q.Get("status")), Limit: 100}
	for _, f := range []struct {
		name string
		dst  *settlement.Date
	}{{"from", &rq.From}, {"to", &rq.To}} {
		if v := q.Get(f.name); v != "" {
			d, err := settlement.ParseDate(v)
			if err != nil {
				writeError(w, http.StatusBadRequest, invalid(f.name, "want yyyy-MM-dd, got %q", clip(v)))
				return
			}
			*f.dst = d
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, invalid("limit", "want 1..1000, got %q", clip(v)))
			return
		}
		rq.Limit = n
	}
	runs, err := s.st.Runs(r.Context(), rq)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	sortRuns(runs)
	out := make([]RunView, 0, len(runs))
	for _, run := range runs {
		out = append(out, jobs.NewRunView(run))
	}
	writeValue(w, http.StatusOK, map[string]any{"runs": out})
}
