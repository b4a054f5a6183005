"""The formulation stage: focus, middle-phase plan, session plan, patient statement."""
