"""The commands of the product, one module per concept; `domain.service.Rekindle` bundles them."""
