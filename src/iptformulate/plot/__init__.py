"""Teaching plots: the closeness circle, the timeline, the relationship graph, the area scores.

matplotlib is an optional extra (`pip install 'iptformulate[plot]'`); it is imported when a
plot is drawn, not when this module is imported. Every function returns a
`matplotlib.figure.Figure` drawn without pyplot, so plots are headless and thread-safe.
"""

from .circle import closeness_circle
from .onset_timeline import timeline
from .relgraph import relationship_graph
from .scores import area_scores

__all__ = ["area_scores", "closeness_circle", "relationship_graph", "timeline"]
