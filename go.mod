module github.com/haivivi/giztoy

go 1.26
