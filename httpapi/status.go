package httpapi

import (
	"net/http"
	"strconv"

	"github.com/settle-dev/settle/jobs"
)

// getStatus answers GET /v1/status[?days=]: what `settle status --json`
// shows (jobs and intents per business date, records waiting and why, the
// last and next run, what needs attention).
func (s *server) getStatus(w http.ResponseWriter, r *http.Request) {
	days := 7
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 366 {
			writeError(w, http.StatusBadRequest, invalid("days", "want 1..366, got %q", clip(v)))
			return
		}
		days = n
	}
	st, err := jobs.ReadStatus(r.Context(), s.st, jobs.StatusOptions{Cron: s.cron, Loc: s.loc, Now: s.now(), Days: days})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeValue(w, http.StatusOK, st.View())
}
