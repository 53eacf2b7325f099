//go:build !linux

package agent

// trimStartupPages does nothing outside Linux.
func trimStartupPages() int { return 0 }
