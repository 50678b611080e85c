package httpapi

import (
	"net/http"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// maxPayoutDays bounds the range of one GET /v1/payouts.
const maxPayoutDays = 366

// payoutView is one payout check as GET /v1/payouts answers it: the
// amounts under PortOne's field names, ours beside PortOne's (null when
// that side has none), and the reasons it needs a look (empty when it
// ties).
type payoutView struct {
	PayoutDate string           `json:"payoutDate"`
	PartnerID  string           `json:"partnerId"`
	Currency   string           `json:"currency"`
	PayoutID   string           `json:"payoutId,omitempty"`
	Status     string           `json:"status"`
	FailReason string           `json:"failReason,omitempty"`
	VAT        string           `json:"vat"`
	Withhold   bool             `json:"withholding"`
	Ours       map[string]int64 `json:"ours"`
	PortOne    map[string]int64 `json:"portone"`
	Reasons    []string         `json:"reasons"`
	Attention  bool             `json:"needsAttention"`
}

func payoutAmounts(a *settlement.PayoutAmounts) map[string]int64 {
	if a == nil {
		return nil
	}
	out := make(map[string]int64, len(settlement.PayoutFields))
	for _, f := range settlement.PayoutFields {
		out[f.Name] = int64(*f.Get(a))
	}
	return out
}

// getPayouts answers GET /v1/payouts?date=D | from=&to= [&partnerId=]:
// the payouts job's checks of those payout dates (each partner's payout,
// ours and PortOne's, its status and the reasons it needs a look), by
// payout date and partner.
func (s *server) getPayouts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	setReqKey(r.Context(), "payouts "+q.Get("date")+q.Get("from")+" "+q.Get("partnerId"))
	parse := func(field string) (settlement.Date, bool) {
		v := q.Get(field)
		d, err := settlement.ParseDate(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, invalid(field, "want a payout date as yyyy-MM-dd, got %q", clip(v)))
			return d, false
		}
		return d, true
	}
	var from, to settlement.Date
	var ok bool
	switch {
	case q.Get("date") != "":
		if from, ok = parse("date"); !ok {
			return
		}
		to = from
	case q.Get("from") != "" && q.Get("to") != "":
		if from, ok = parse("from"); !ok {
			return
		}
		if to, ok = parse("to"); !ok {
			return
		}
		if to.Before(from) || from.AddDays(maxPayoutDays).Before(to) {
			writeError(w, http.StatusBadRequest, invalid("to", "want a date from %s to %s days after it, got %s", from, "366", to))
			return
		}
	default:
		writeError(w, http.StatusBadRequest, invalid("date", "required: date=yyyy-MM-dd, or from= and to="))
		return
	}
	partner := settlement.PartnerID(q.Get("partnerId"))
	checks, err := s.st.PayoutChecks(r.Context(), from, to)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := []payoutView{}
	for _, c := range checks {
		if partner != "" && c.PartnerID != partner {
			continue
		}
		out = append(out, newPayoutView(c))
	}
	writeValue(w, http.StatusOK, map[string]any{"payouts": out})
}

func newPayoutView(c store.PayoutCheck) payoutView {
	v := payoutView{PayoutDate: c.PayoutDate.String(), PartnerID: string(c.PartnerID), Currency: string(c.Currency),
		PayoutID: c.PayoutID, Status: c.Status, FailReason: c.FailReason, VAT: c.Treatment.VAT.String(),
		Withhold: c.Treatment.Withhold, Ours: payoutAmounts(c.Ours), PortOne: payoutAmounts(c.Theirs), Reasons: []string{}}
	for _, r := range c.Reasons {
		v.Reasons = append(v.Reasons, string(r))
		v.Attention = true
	}
	return v
}
