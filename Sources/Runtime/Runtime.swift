@_exported import Autodiff
@_exported import Tensor
