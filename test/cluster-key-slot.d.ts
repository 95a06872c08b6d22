/** cluster-key-slot (the slot function ioredis uses) ships no types. */
declare module "cluster-key-slot" {
  /** The Redis Cluster slot (0..16383) of `key`, honouring `{hash tags}`. */
  function calculateSlot(key: string): number;
  export default calculateSlot;
}
