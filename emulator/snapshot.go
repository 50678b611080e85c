package emulator

import (
	"encoding/json"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// A transfer answers with the contract and policies as they were when it was
// created, and its amounts follow the terms of that moment. Instead of a copy
// per transfer, every transfer created between two changes of the contracts,
// the policies or the platform setting shares one snapshot per contract: a
// change starts a new epoch (env.changedTerms) and earlier snapshots stay
// with the transfers that point to them.

// snapshot is what transfers of one contract created in one epoch share.
type snapshot struct {
	contract transfer.Contract // the contract as responses embed it
	policies transfer.Policies // every policy of the environment, as responses embed them
	terms    settlement.Terms  // what the engine computed with

	contractBytes json.RawMessage // contract's JSON, made on first use
}

// contractJSON is the snapshot's contract as summaries embed it.
func (sn *snapshot) contractJSON() json.RawMessage {
	if sn.contractBytes == nil {
		sn.contractBytes, _ = json.Marshal(sn.contract)
	}
	return sn.contractBytes
}

// termsEpoch is the policies and setting of one epoch, and its snapshots by
// contract id.
type termsEpoch struct {
	dsps       map[string]settlement.DiscountSharePolicy
	afps       map[string]settlement.AdditionalFeePolicy
	wire       transfer.Policies
	adjust     bool
	byContract map[string]*snapshot
}

// changedTerms starts a new epoch: the next transfer takes a fresh snapshot.
func (e *env) changedTerms() { e.terms = nil }

// changedPartners forgets the cached partner JSON.
func (e *env) changedPartners() { e.partnerJSON = nil }

// snapshot returns the shared snapshot for contract c in the current epoch;
// callers hold s.mu.
func (s *Server) snapshot(e *env, c *contractRec) *snapshot {
	ep := e.terms
	if ep == nil {
		ep = &termsEpoch{
			dsps:       make(map[string]settlement.DiscountSharePolicy, len(e.dsps.byID)),
			afps:       make(map[string]settlement.AdditionalFeePolicy, len(e.afps.byID)),
			wire:       transfer.Policies{Discount: make(map[string]transfer.DiscountSharePolicy, len(e.dsps.byID)), Fee: make(map[string]transfer.AdditionalFeePolicy, len(e.afps.byID))},
			adjust:     e.setting.AdjustSettlementDateAfterHolidayIfEarlier,
			byContract: map[string]*snapshot{},
		}
		for id, p := range e.dsps.byID {
			ep.dsps[id] = p.v
			ep.wire.Discount[id] = wireDSP(p, e.test)
		}
		for id, p := range e.afps.byID {
			ep.afps[id] = p.v
			ep.wire.Fee[id] = wireAFP(p, e.test)
		}
		e.terms = ep
	}
	if sn := ep.byContract[c.v.ID]; sn != nil {
		return sn
	}
	sn := &snapshot{
		contract: wireContract(c, e.test),
		policies: ep.wire,
		terms: settlement.Terms{
			Contract:               c.v,
			DiscountSharePolicies:  ep.dsps,
			AdditionalFeePolicies:  ep.afps,
			Rules:                  s.opts.Rules,
			Rounding:               s.opts.Rounding,
			Calendar:               s.cal,
			AdjustEarlierToNextDay: ep.adjust,
		},
	}
	ep.byContract[c.v.ID] = sn
	return sn
}

// partnerRaw is partner id's JSON as transfers embed it ({"id": id} for a
// partner the environment does not have); callers hold s.mu.
func (e *env) partnerRaw(id string) json.RawMessage {
	if b, ok := e.partnerJSON[id]; ok {
		return b
	}
	var b json.RawMessage
	if p := e.partners[id]; p != nil {
		b, _ = json.Marshal(p)
	} else {
		b, _ = json.Marshal(map[string]string{"id": id})
	}
	if e.partnerJSON == nil {
		e.partnerJSON = map[string]json.RawMessage{}
	}
	e.partnerJSON[id] = b
	return b
}
