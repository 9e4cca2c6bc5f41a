module github.com/zkembed/zkembed

go 1.26.8
