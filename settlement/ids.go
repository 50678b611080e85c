package settlement

// Ids of the records settlement speaks of. They are distinct types, so
// that a call passing a payment id where a partner id belongs, or a
// cancellation id where a transfer id belongs, does not compile. They are
// converted from and to plain strings once, where a record enters or leaves
// (the wire types of transfer, the store's columns, the HTTP API).
type (
	// PartnerID is a partner's id at PortOne (partnerId).
	PartnerID string
	// PaymentID is the merchant's order number, PortOne's paymentId.
	PaymentID string
	// CancellationID is a cancellation's id (cancellationId).
	CancellationID string
	// TransferID is a transfer's id at PortOne; settle chooses it for the
	// transfers it posts (the client id of the transfer intent).
	TransferID string
)
