"""PertNAS (Mahmoud et al.): perturbation valuation, 3-stage search, supernet and evolutionary variants."""
