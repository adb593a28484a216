// Package atomicfile holds what the packages that write files by
// temp-file-and-rename share: cleaning up the temporary files a killed
// writer leaves behind.
package atomicfile
