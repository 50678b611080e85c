package httpapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/settlement"
)

// maxStatementDays bounds the range of one statement: a year and a day.
const maxStatementDays = 366

// xlsxType is the media type of an .xlsx file.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// getStatement answers GET /v1/partners/{id}/statement?from=&to=[&lang=ko|en]:
// the partner's settlement statement (정산서) of business dates from..to as
// an .xlsx laid out for printing to PDF (jobs.WriteStatement). It is
// written to a temporary file first, so that an error is still answered
// as JSON, and then sent; memory does not grow with the partner's orders.
// Errors: 400 for a bad date, range or language, 404 for a partner the
// store does not know.
func (s *server) getStatement(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	partner := r.PathValue("id")
	q := r.URL.Query()
	setReqKey(ctx, "statement "+partner+" "+q.Get("from")+" "+q.Get("to"))
	var dates [2]settlement.Date
	for i, name := range []string{"from", "to"} {
		v := q.Get(name)
		if v == "" {
			writeError(w, http.StatusBadRequest, invalid(name, "required: a business date, yyyy-MM-dd"))
			return
		}
		d, err := settlement.ParseDate(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, invalid(name, "want yyyy-MM-dd, got %q", clip(v)))
			return
		}
		dates[i] = d
	}
	from, to := dates[0], dates[1]
	if to.Before(from) {
		writeError(w, http.StatusBadRequest, invalid("to", "%s is before from %s", to, from))
		return
	}
	if from.AddDays(maxStatementDays).Before(to) {
		writeError(w, http.StatusBadRequest, invalid("to", "a statement covers at most %d days", maxStatementDays))
		return
	}
	lang := q.Get("lang")
	if lang != "" && lang != "ko" && lang != "en" {
		writeError(w, http.StatusBadRequest, invalid("lang", "want ko or en, got %q", clip(lang)))
		return
	}
	f, err := os.CreateTemp("", ".settle-statement-*")
	if err != nil {
		s.internal(w, r, err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	err = jobs.WriteStatement(ctx, s.st, f, jobs.StatementRequest{PartnerID: settlement.PartnerID(partner), From: from, To: to,
		At: s.now(), Lang: lang, Loc: s.in.Rules().Location})
	if errors.Is(err, jobs.ErrNoSuchPartner) {
		writeError(w, http.StatusNotFound, &settlement.Error{Type: errNotFound, Field: "id", Message: "no partner " + strconv.Quote(clip(partner))})
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	name := "statement-" + from.String() + "_" + to.String() + ".xlsx"
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
}
