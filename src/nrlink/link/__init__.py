"""Link chains: transport-block coding now; PDSCH/PUSCH chains and HARQ later."""
