# Both targets of the Slimfile for two platforms, as a CI job would bake them.
# docker buildx bake -f docker-bake.hcl [--set '*.output=type=registry']
variable "REGISTRY" {
  default = "registry.example"
}
variable "VERSION" {
  default = "dev"
}

group "default" {
  targets = ["api", "worker"]
}

target "_slim" {
  context    = "."
  dockerfile = "Slimfile"
  platforms  = ["linux/amd64", "linux/arm64"]
  args       = { VERSION = VERSION }
  attest     = ["type=sbom", "type=provenance,mode=max"]
}

target "api" {
  inherits = ["_slim"]
  target   = "api"
  tags     = ["${REGISTRY}/two-binaries/api:${VERSION}"]
}

target "worker" {
  inherits = ["_slim"]
  target   = "worker"
  tags     = ["${REGISTRY}/two-binaries/worker:${VERSION}"]
}
