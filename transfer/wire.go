package transfer

import "encoding/json"

// Wire types mirror PortOne's JSON exactly (reference/portone-platform-openapi.json
// is the last word on names) and keep PortOne's names: they are the
// vocabulary of the emulator and of intake too. Pointers mark optional
// scalars; slices that the schema requires are always sent, as [] when empty
// (wire_json.go); oneOf inputs are structs of optional branches of which
// exactly one is set. This file holds the shapes every resource shares;
// wire_terms.go, wire_transfer.go, wire_partner.go and wire_payout.go hold
// one resource each.

// Currency is an ISO 4217 code (PortOne's Currency enum).
type Currency string

// PageInput is PortOne's page request: 0-based number and size.
type PageInput struct {
	Number *int `json:"number,omitempty"`
	Size   *int `json:"size,omitempty"`
}

// PageInfo is PortOne's page answer.
type PageInfo struct {
	Number     int `json:"number"`
	Size       int `json:"size"`
	TotalCount int `json:"totalCount"`
}

// DateRange is PortOne's DateRange: yyyy-MM-dd dates, both required.
type DateRange struct {
	From  string `json:"from"`
	Until string `json:"until"`
}

// DateTimeRange is PortOne's DateTimeRange (RFC 3339 instants).
type DateTimeRange struct {
	From  string `json:"from"`
	Until string `json:"until"`
}

// UserDefinedProperty is PortOne's PlatformUserDefinedPropertyKeyValue.
type UserDefinedProperty struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// PropertyMatch is PortOne's PlatformTransferPropertyExactMatchInput.
type PropertyMatch struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}
