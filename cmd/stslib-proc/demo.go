package main

type demoCmd struct{}

func (demoCmd) Run(d *deps) error { return nil }
