package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// maxIntents bounds one answer of GET /v1/intents.
const maxIntents = 10000

// getIntents answers GET /v1/intents[?status=failed,conflict&date=&partnerId=&limit=]:
// transfer intents with PortOne's last error, by business date, partner
// and payment (the order of `settle intents`), at most limit (default
// 1000, at most 10000); "truncated" says when more matched.
func (s *server) getIntents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	setReqKey(r.Context(), "intents "+q.Get("date")+" "+q.Get("partnerId"))
	var f store.IntentFilter
	if v := q.Get("status"); v != "" {
		for _, part := range strings.Split(v, ",") {
			st, err := store.ParseIntentStatus(part)
			if err != nil {
				writeError(w, http.StatusBadRequest, invalid("status", "%s", clip(err.Error())))
				return
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := q.Get("date"); v != "" {
		d, err := settlement.ParseDate(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, invalid("date", "want the business date as yyyy-MM-dd, got %q", clip(v)))
			return
		}
		f.Date = d
	}
	f.PartnerID = settlement.PartnerID(q.Get("partnerId"))
	limit := 1000
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxIntents {
			writeError(w, http.StatusBadRequest, invalid("limit", "want 1..%d, got %q", maxIntents, clip(v)))
			return
		}
		limit = n
	}
	f.Limit = limit + 1
	out := []jobs.IntentView{}
	err := s.st.ListIntents(r.Context(), f, func(l *store.IntentLine) error {
		out = append(out, jobs.NewIntentView(l))
		return nil
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	truncated := len(out) > limit
	if truncated {
		out = out[:limit]
	}
	writeValue(w, http.StatusOK, map[string]any{"intents": out, "truncated": truncated})
}
