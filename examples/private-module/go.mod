module example.com/private-module

go 1.22

require example.com/private/greet v1.0.0
