// Hardhat is used only as the L1 node (EDR) for the devnet and tests; contracts are compiled by contracts/compile.ts.
module.exports = {
  paths: { sources: './contracts/src', artifacts: './.hardhat/artifacts', cache: './.hardhat/cache' },
  networks: {
    hardhat: {
      chainId: 31337,
      hardfork: 'cancun',
      mining: { auto: true, interval: 0 },
      allowUnlimitedContractSize: false,
      // The devnet pins the genesis time so that replaying its L1 journal rebuilds identical blocks.
      ...(process.env.L1_INITIAL_DATE ? { initialDate: process.env.L1_INITIAL_DATE } : {}),
    },
  },
};
