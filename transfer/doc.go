// Package transfer is settle's client of PortOne's platform API and the
// mapping between PortOne's JSON shapes and the settlement vocabulary.
//
// It imports settlement only. Wire types mirror
// reference/portone-platform-openapi.json; required arrays are sent as []
// and exactly one branch of each oneOf is set.
package transfer
