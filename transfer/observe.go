package transfer

import (
	"encoding/json"

	"github.com/settle-dev/settle/settlement"
)

// Observed is PortOne's answer for one transfer, made right once, here at
// the boundary, so that nothing downstream (store, reconcile, the
// workbook, the HTTP API, SQL read models) ever sees it otherwise:
//
//   - Transfer is the answer in the settlement vocabulary, the same shape as
//     a transfer settle computes; a cancel's amounts are positive magnitudes
//     whatever sign PortOne used (portone-platform.md §3.2, §9.9), and
//     Negated says that PortOne sent them negated;
//   - Raw is PortOne's JSON without the partner and contract snapshots that
//     PortOne embeds in every answer (reduced to their id and name): the
//     partner's bank account never leaves this package, and a stored answer
//     does not repeat reference data settle keeps once.
type Observed struct {
	ID       settlement.TransferID
	Transfer settlement.Transfer
	Status   settlement.TransferStatus
	Negated  bool
	Raw      json.RawMessage
}

// Observe maps PortOne's answer for one transfer (a create, a GET, a list
// item fetched in full) to an Observed.
func Observe(w Transfer) Observed {
	t, status := TransferFromWire(w)
	o := Observed{ID: settlement.TransferID(w.ID), Status: status}
	o.Negated = settlement.NormalizeCancel(&t)
	if t.PartnerID == "" {
		t.PartnerID = settlement.PartnerID(partnerIDOf(w))
	}
	o.Transfer = t
	o.Raw = trimmed(w)
	return o
}

// trimmed is w's JSON with the partner and contract objects reduced to
// their id and name.
func trimmed(w Transfer) json.RawMessage {
	partner := reduced(w.Partner)
	w.Partner = nil
	full, err := json.Marshal(w)
	var m map[string]json.RawMessage
	if err != nil || json.Unmarshal(full, &m) != nil {
		return nil
	}
	if partner != nil {
		m["partner"] = partner
	}
	if c := m["contract"]; c != nil {
		m["contract"] = reduced(c)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

// reduced keeps only the id and name of an embedded object.
func reduced(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var idName struct {
		ID   string `json:"id"`
		Name string `json:"name,omitempty"`
	}
	if json.Unmarshal(raw, &idName) != nil {
		return nil // not an object: keep nothing rather than something unmasked
	}
	out, _ := json.Marshal(idName)
	return out
}
