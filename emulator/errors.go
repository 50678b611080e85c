package emulator

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// errBody is the common PortOne error body.
type errBody struct {
	Type    string `json:"type"`
	Message string `json:"message,omitempty"`
}

// apiError is an error the emulator answers with: PortOne's status code
// and a body {type, message, ...extra}.
type apiError struct {
	status int
	body   json.RawMessage
}

// newAPIError builds an error body of type typ with extra fields given as
// alternating keys and values.
func newAPIError(status int, typ, msg string, kv ...any) *apiError {
	m := map[string]any{"type": typ}
	if msg != "" {
		m["message"] = msg
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return &apiError{status: status, body: b}
}

func (e *apiError) Error() string { return string(e.body) }

func invalidRequest(msg string) *apiError {
	return newAPIError(http.StatusBadRequest, "INVALID_REQUEST", msg)
}

func notFound(typ, msg string) *apiError { return newAPIError(http.StatusNotFound, typ, msg) }

func writeErr(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body)
}

// fromSettlement turns an error of the settlement rules or of the wire
// mapping into PortOne's body (transfer.NewAPIError, with the emulator's
// GraphQL ids filled in). Anything else is INVALID_REQUEST.
func fromSettlement(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	se, ok := settlement.AsError(err)
	if !ok {
		return invalidRequest(err.Error())
	}
	e := transfer.NewAPIError(se)
	const dsp = "PlatformDiscountSharePolicy"
	switch d := e.Detail.(type) {
	case *transfer.PolicyIDDuplicated:
		d.GraphqlID = graphqlID(dsp, d.ID)
	case *transfer.CancellableDiscountExceeded:
		d.DiscountSharePolicyGraphqlID = graphqlID(dsp, d.DiscountSharePolicyID)
	case *transfer.TransferDiscountSharePolicyNotFound:
		d.DiscountSharePolicyGraphqlID = graphqlID(dsp, d.DiscountSharePolicyID)
	case *transfer.IDsError:
		typename := dsp
		if se.Type == settlement.ErrAdditionalFeePoliciesNotFound {
			typename = "PlatformAdditionalFeePolicy"
		}
		d.IDs, d.GraphqlIDs = idsAndGraphqlIDs(typename, d.IDs)
	}
	body, _ := json.Marshal(e) // an APIError always marshals
	return &apiError{status: se.Type.HTTPStatus(), body: body}
}

func idsAndGraphqlIDs(typename string, ids []string) ([]string, []string) {
	out := make([]string, 0, len(ids))
	g := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, id)
		g = append(g, graphqlID(typename, id))
	}
	return out, g
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
