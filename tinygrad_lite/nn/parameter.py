"""Parameter: a leaf tensor that a Module registers when it is assigned as an attribute."""
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor sharing `data`'s storage, a leaf that requires grad by default; ops on it
    return plain tensors."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        if requires_grad and not data.is_floating_point():
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        param = Tensor.__new__(cls)
        param._adopt(data)
        param._requires_grad = bool(requires_grad)
        return param

    def __init__(self, data=None, requires_grad=True):
        pass  # __new__ did the work; Tensor.__init__ would build another tensor

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.data.clone(), self._requires_grad)
        return memo[id(self)]
