"""Network builders: a graph or data set in, a ready Brian2 network and a result object out."""
