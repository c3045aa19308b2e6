"""torch.nn: Module, Parameter, layers, losses, and the functional and init namespaces."""
from . import functional, init
from .activation import (
                   ELU,
                   GELU,
                   Hardtanh,
                   LeakyReLU,
                   LogSoftmax,
                   ReLU,
                   ReLU6,
                   Sigmoid,
                   SiLU,
                   Softmax,
                   Softplus,
                   Tanh,
)
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers import Dropout, Embedding, Flatten, Identity, Linear, Unflatten
from .loss import (
                   BCELoss,
                   BCEWithLogitsLoss,
                   CrossEntropyLoss,
                   HuberLoss,
                   KLDivLoss,
                   L1Loss,
                   MSELoss,
                   NLLLoss,
                   SmoothL1Loss,
)
from .module import Module
from .normalization import BatchNorm1d, LayerNorm
from .parameter import Parameter

__all__ = [
                   "ELU",
                   "GELU",
                   "BCELoss",
                   "BCEWithLogitsLoss",
                   "BatchNorm1d",
                   "CrossEntropyLoss",
                   "Dropout",
                   "Embedding",
                   "Flatten",
                   "Hardtanh",
                   "HuberLoss",
                   "Identity",
                   "KLDivLoss",
                   "L1Loss",
                   "LayerNorm",
                   "LeakyReLU",
                   "Linear",
                   "LogSoftmax",
                   "MSELoss",
                   "Module",
                   "ModuleDict",
                   "ModuleList",
                   "NLLLoss",
                   "Parameter",
                   "ParameterDict",
                   "ParameterList",
                   "ReLU",
                   "ReLU6",
                   "Sequential",
                   "SiLU",
                   "Sigmoid",
                   "SmoothL1Loss",
                   "Softmax",
                   "Softplus",
                   "Tanh",
                   "Unflatten",
                   "functional",
                   "init",
]
