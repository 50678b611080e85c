package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// env is one of PortOne's two fully separate environments (test, live).
type env struct {
	test bool

	partners   map[string]*partnerOut
	partnerIDs []string
	// partnerJSON caches each partner's JSON as transfers embed it; any
	// change to a partner clears it.
	partnerJSON map[string]json.RawMessage

	contracts table[settlement.Contract]
	dsps      table[settlement.DiscountSharePolicy]
	afps      table[settlement.AdditionalFeePolicy]

	setting settingWire

	// terms caches the snapshot transfers are created with (snapshot.go);
	// any change to a contract, a policy or the setting clears it.
	terms *termsEpoch

	transfers transferIndex
	payouts   payoutState // payouts.go: controls and tampers only
}

func newEnv(test bool) *env {
	return &env{
		test:      test,
		partners:  map[string]*partnerOut{},
		setting:   settingWire{SettlementAmountType: "GROSS", IsForTest: test},
		transfers: newTransferIndex(),
	}
}

func (s *Server) env(test bool) *env {
	if test {
		return s.envs[1]
	}
	return s.envs[0]
}

// nextID returns a server-generated id with prefix; callers hold s.mu.
func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%08d", prefix, s.seq)
}

func (s *Server) stamp() string { return s.now().UTC().Format(time.RFC3339Nano) }

// ---- platform setting ----

type settingWire struct {
	DefaultWithdrawalMemo                     string `json:"defaultWithdrawalMemo,omitempty"`
	DefaultDepositMemo                        string `json:"defaultDepositMemo,omitempty"`
	SupportsMultipleOrderTransfersPerPartner  bool   `json:"supportsMultipleOrderTransfersPerPartner"`
	AdjustSettlementDateAfterHolidayIfEarlier bool   `json:"adjustSettlementDateAfterHolidayIfEarlier"`
	DeductWht                                 bool   `json:"deductWht"`
	SettlementAmountType                      string `json:"settlementAmountType"`
	IsForTest                                 bool   `json:"isForTest"`
	ManualSettlementPerTransfer               bool   `json:"manualSettlementPerTransfer"`
}

type settingUpdate struct {
	DefaultWithdrawalMemo                     *string `json:"defaultWithdrawalMemo"`
	DefaultDepositMemo                        *string `json:"defaultDepositMemo"`
	SupportsMultipleOrderTransfersPerPartner  *bool   `json:"supportsMultipleOrderTransfersPerPartner"`
	AdjustSettlementDateAfterHolidayIfEarlier *bool   `json:"adjustSettlementDateAfterHolidayIfEarlier"`
	DeductWht                                 *bool   `json:"deductWht"`
	SettlementAmountType                      *string `json:"settlementAmountType"`
	ManualSettlementPerTransfer               *bool   `json:"manualSettlementPerTransfer"`
}

func (u settingUpdate) apply(w *settingWire) *apiError {
	if u.SettlementAmountType != nil {
		switch *u.SettlementAmountType {
		case "NET", "GROSS":
			w.SettlementAmountType = *u.SettlementAmountType
		default:
			return invalidRequest("settlementAmountType: must be NET or GROSS")
		}
	}
	set(&w.DefaultWithdrawalMemo, u.DefaultWithdrawalMemo)
	set(&w.DefaultDepositMemo, u.DefaultDepositMemo)
	set(&w.SupportsMultipleOrderTransfersPerPartner, u.SupportsMultipleOrderTransfersPerPartner)
	set(&w.AdjustSettlementDateAfterHolidayIfEarlier, u.AdjustSettlementDateAfterHolidayIfEarlier)
	set(&w.DeductWht, u.DeductWht)
	set(&w.ManualSettlementPerTransfer, u.ManualSettlementPerTransfer)
	return nil
}

// set applies an optional field of an update body.
func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// ---- request helpers ----

// testMode applies PortOne's precedence: the query parameter `test`, else
// `isForTest` in the body (or in the body's filter), else false.
func testMode(r *http.Request, body []byte) (bool, *apiError) {
	if v := r.URL.Query().Get("test"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, invalidRequest("test: must be true or false")
		}
		return b, nil
	}
	if len(body) == 0 {
		return false, nil
	}
	var probe struct {
		IsForTest *bool `json:"isForTest"`
		Filter    *struct {
			IsForTest *bool `json:"isForTest"`
		} `json:"filter"`
	}
	if json.Unmarshal(body, &probe) != nil {
		return false, nil // the handler reports the malformed body
	}
	if probe.IsForTest != nil {
		return *probe.IsForTest, nil
	}
	if probe.Filter != nil && probe.Filter.IsForTest != nil {
		return *probe.Filter.IsForTest, nil
	}
	return false, nil
}

// listBody is the JSON of a list request: the `requestBody` query
// parameter, else the GET body.
func listBody(r *http.Request, body []byte) []byte {
	if q := r.URL.Query().Get("requestBody"); q != "" {
		return []byte(q)
	}
	return body
}

func decode(body []byte, v any) *apiError {
	if len(strings.TrimSpace(string(body))) == 0 {
		return invalidRequest("request body is required")
	}
	if err := gojson.Unmarshal(body, v); err != nil { // encoding/json's semantics, a third of a create's CPU less
		return invalidRequest("malformed JSON: " + err.Error())
	}
	return nil
}

// readBody decodes the body of a create or update into in and tells which
// environment it is for; ok is false when it has answered an error.
func readBody(w http.ResponseWriter, r *http.Request, body []byte, in any) (test, ok bool) {
	if aerr := decode(body, in); aerr != nil {
		writeErr(w, aerr)
		return false, false
	}
	test, aerr := testMode(r, body)
	if aerr != nil {
		writeErr(w, aerr)
		return false, false
	}
	return test, true
}

type listRequest struct {
	Page   *transfer.PageInput `json:"page"`
	Filter json.RawMessage     `json:"filter"`
}

func parseList(r *http.Request, body []byte, filter any) (listRequest, *apiError) {
	var lr listRequest
	b := listBody(r, body)
	if len(strings.TrimSpace(string(b))) == 0 {
		return lr, nil
	}
	if err := json.Unmarshal(b, &lr); err != nil {
		return lr, invalidRequest("requestBody: malformed JSON: " + err.Error())
	}
	if len(lr.Filter) > 0 && string(lr.Filter) != "null" && filter != nil {
		if err := json.Unmarshal(lr.Filter, filter); err != nil {
			return lr, invalidRequest("filter: " + err.Error())
		}
	}
	return lr, nil
}

type listResponse[T any] struct {
	Items []T               `json:"items"`
	Page  transfer.PageInfo `json:"page"`
}

// pageOf reads a page request: its number and size (def when absent).
func pageOf(p *transfer.PageInput, def int) (num, size int, aerr *apiError) {
	num, size = 0, def
	if p != nil && p.Number != nil {
		num = *p.Number
	}
	if p != nil && p.Size != nil {
		size = *p.Size
	}
	if num < 0 || size <= 0 {
		return 0, 0, invalidRequest("page: number must be >= 0 and size > 0")
	}
	return num, size, nil
}

// paginate cuts one page out of items. totalCount is the number of items
// that matched the filter.
func paginate[T any](items []T, p *transfer.PageInput, def int) ([]T, transfer.PageInfo, *apiError) {
	num, size, aerr := pageOf(p, def)
	if aerr != nil {
		return nil, transfer.PageInfo{}, aerr
	}
	info := transfer.PageInfo{Number: num, Size: size, TotalCount: len(items)}
	lo := num * size
	if lo >= len(items) || lo < 0 {
		return []T{}, info, nil
	}
	hi := min(lo+size, len(items))
	return append([]T{}, items[lo:hi]...), info, nil
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// oneOf reports whether a list filter's want (empty: any) admits have.
func oneOf[T comparable](want []T, have T) bool {
	return len(want) == 0 || contains(want, have)
}

// has reports whether a keyword filter's want (empty: any) is in have.
func has(have, want string) bool {
	return want == "" || strings.Contains(have, want)
}

func isArchivedMatch(want *bool, archived bool) bool {
	w := false
	if want != nil {
		w = *want
	}
	return w == archived
}

func pathID(r *http.Request) string { return r.PathValue("id") }
