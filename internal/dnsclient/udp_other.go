//go:build !linux

package dnsclient

import "net"

// dialUDPAddr opens a connected UDP socket to a, through package net.
func dialUDPAddr(a *net.UDPAddr) (udpConn, error) { return dialUDPNet(a) }
