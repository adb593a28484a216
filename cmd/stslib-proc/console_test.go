package main

import "testing"

func TestConsoleRegion(t *testing.T) {
	tests := []struct {
		name, flag, awsRegion, awsDefault, profile, want string
	}{
		{"flag first", "eu-west-1", "us-west-2", "us-east-2", "ap-south-1", "eu-west-1"},
		{"AWS_REGION", "", "us-west-2", "us-east-2", "ap-south-1", "us-west-2"},
		{"AWS_DEFAULT_REGION", "", "", "us-east-2", "ap-south-1", "us-east-2"},
		{"profile", "", "", "", "ap-south-1", "ap-south-1"},
		{"none: the partition's default", "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_REGION": tt.awsRegion, "AWS_DEFAULT_REGION": tt.awsDefault}
			if got := consoleRegion(tt.flag, func(k string) string { return env[k] }, tt.profile); got != tt.want {
				t.Errorf("consoleRegion = %q, want %q", got, tt.want)
			}
		})
	}
}
