// Package api holds zkembed's public types: Stat, ACL, Id, Perm, CreateMode,
// Event, the requests and responses of every ZooKeeper operation, the error
// codes, and the Client interface that both the direct engine session and the
// wire client implement, so user code is written once.
//
// It uses only the standard library and knows nothing of the engine or the
// wire.
//
// # Errors
//
// Every ZooKeeper error code is a Code constant (ErrNoNode = -101, ...), and a
// Code is itself an error. Test for one with errors.Is; ErrNoNode also
// matches fs.ErrNotExist, ErrNodeExists fs.ErrExist, ErrNoAuth fs.ErrPermission
// and ErrUnimplemented errors.ErrUnsupported.
//
// # Compatibility
//
// Values (codes, modes, event types, states, permission bits) are ZooKeeper's
// own, so they cross the wire unchanged.
package api
